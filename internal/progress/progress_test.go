package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestLinesOffTerminal: off a terminal a long task gets one line per tenth
// (at most one per Interval), a short one its final line only.
func TestLinesOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "train", 100, "img")
	clock := b.start
	b.now = func() time.Time { return clock }
	for i := 0; i < 100; i++ {
		clock = clock.Add(2 * time.Second) // 200 s in all: 10% every 20 s
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

func TestShortTaskGetsOneLine(t *testing.T) {
	for _, tick := range []time.Duration{0, time.Second / 2} {
		var buf bytes.Buffer
		b := New(&buf, "test", 100, "img")
		clock := b.start
		b.now = func() time.Time { return clock }
		for i := 0; i < 100; i++ {
			clock = clock.Add(tick) // at most 50 s in all: a line per 10 s at most
			b.Add(1)
		}
		b.Done()
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		most := 1 + int(tick*100/Interval) // one per 10 s, and the final one
		if len(lines) > most || !strings.Contains(lines[len(lines)-1], "100% 100/100 img") {
			t.Fatalf("tick %v: want at most %d lines ending at 100%%, got %d:\n%s", tick, most, len(lines), buf.String())
		}
	}
}

// TestLinesFitTheWidth: a line never exceeds the width less one column
// (80 off a terminal), whatever the label's length; the bar shrinks, then
// goes, then the line is cut.
func TestLinesFitTheWidth(t *testing.T) {
	var buf strings.Builder
	for _, label := range []string{"fmri", "features resnet50 (1593 images, 4 views)", strings.Repeat("very long label ", 8)} {
		for _, cols := range []int{Columns, 60, 30} {
			b := New(&buf, label, 12345, "img")
			b.cols, b.tty = cols, true
			b.cur = 5000
			line := b.line(b.start.Add(3 * time.Second))
			if n := len([]rune(line)); n > cols-1 {
				t.Errorf("%d columns, label %q: %d-column line %q", cols, label, n, line)
			}
			if !strings.Contains(line, "41%") && len(label) < 20 && cols == Columns {
				t.Errorf("%q lacks the percentage", line)
			}
		}
	}
}
