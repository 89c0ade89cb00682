package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestLinesOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "train", 100, "img")
	for i := 0; i < 100; i++ {
		b.Add(1)
	}
	b.Done()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// One line at 0% is never drawn (nothing done yet); one per tenth after.
	if len(lines) != Steps {
		t.Fatalf("want %d lines, got %d:\n%s", Steps, len(lines), buf.String())
	}
	if !strings.Contains(lines[len(lines)-1], "100% 100/100 img") {
		t.Fatalf("last line %q", lines[len(lines)-1])
	}
	if strings.Contains(buf.String(), "\r") {
		t.Fatal("carriage returns written to a non-terminal")
	}
}

func TestBytesShownInMB(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "download", 2e6, "B")
	b.Set(2e6)
	b.Done()
	if !strings.Contains(buf.String(), "2/2 MB") {
		t.Fatalf("got %q", buf.String())
	}
}
