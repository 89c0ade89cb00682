package fetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func payload() ([]byte, string) {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 300_000)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	s := sha256.Sum256(b)
	return b, hex.EncodeToString(s[:])
}

func serve(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "f.bin", time.Time{}, bytes.NewReader(body))
	}
}

func fast() Options { return Options{Backoff: time.Millisecond} }

func TestGoodServer(t *testing.T) {
	body, sum := payload()
	srv := httptest.NewServer(serve(body))
	defer srv.Close()
	dir := t.TempDir()
	path, err := Fetch(context.Background(), dir, File{URL: srv.URL, Name: "f.bin", Size: int64(len(body)), SHA256: sum}, fast())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, body) {
		t.Fatal("content differs")
	}
	// A second call finds the verified file and sends nothing.
	srv.Close()
	if _, err := Fetch(context.Background(), dir, File{URL: srv.URL, Name: "f.bin", Size: int64(len(body)), SHA256: sum}, fast()); err != nil {
		t.Fatalf("cached file not reused: %v", err)
	}
}

// TestResumeAfterDrop serves half the file, kills the connection, and expects
// the client to finish with a Range request.
func TestResumeAfterDrop(t *testing.T) {
	body, sum := payload()
	var ranged atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			ranged.Add(1)
			serve(body)(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	defer srv.Close()
	path, err := Fetch(context.Background(), t.TempDir(), File{URL: srv.URL, Name: "f.bin", Size: int64(len(body)), SHA256: sum}, fast())
	if err != nil {
		t.Fatal(err)
	}
	if ranged.Load() == 0 {
		t.Fatal("the transfer was not resumed with a Range request")
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, body) {
		t.Fatal("resumed content differs")
	}
}

func Test404(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	dir := t.TempDir()
	_, err := Fetch(context.Background(), dir, File{URL: srv.URL + "/x", Name: "f.bin"}, fast())
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("want a 404 error, got %v", err)
	}
	assertEmpty(t, dir)
}

func TestWrongBytesRejected(t *testing.T) {
	body, sum := payload()
	bad := append([]byte(nil), body...)
	bad[1000] ^= 0xff
	srv := httptest.NewServer(serve(bad))
	defer srv.Close()
	dir := t.TempDir()
	_, err := Fetch(context.Background(), dir, File{URL: srv.URL, Name: "f.bin", Size: int64(len(body)), SHA256: sum}, fast())
	if !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("want a checksum error, got %v", err)
	}
	assertEmpty(t, dir)
}

func TestContentCheckRejects(t *testing.T) {
	body, _ := payload()
	srv := httptest.NewServer(serve(body))
	defer srv.Close()
	dir := t.TempDir()
	check := func(string) error { return errors.New("not a (4,120) label array") }
	_, err := Fetch(context.Background(), dir, File{URL: srv.URL, Name: "f.bin", Check: check}, fast())
	if !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), "(4,120)") {
		t.Fatalf("got %v", err)
	}
	assertEmpty(t, dir)
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		names := []string{}
		for _, e := range entries {
			names = append(names, filepath.Join(dir, e.Name()))
		}
		t.Fatalf("files left behind: %v", names)
	}
}
