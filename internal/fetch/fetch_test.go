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

// stallingServer starts a server whose handler, for requests where stall
// says so, sends the headers of the whole file and its first 1000 bytes,
// then sends nothing more until the client goes away or the test ends; other
// requests are served in full. Handlers are released before the server
// closes, so Close does not wait on them.
func stallingServer(t *testing.T, body []byte, stall func(r *http.Request) bool) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !stall(r) {
			serve(body)(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:1000])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: cleanups run last-in first-out
	return srv
}

// TestStallFails: a server that stops sending after 1000 bytes, every time,
// fails the download within a few stall timeouts, with an error naming the
// address and the stall.
func TestStallFails(t *testing.T) {
	body, sum := payload()
	var requests atomic.Int32
	srv := stallingServer(t, body, func(*http.Request) bool { requests.Add(1); return true })
	opt := fast()
	opt.StallTimeout = 200 * time.Millisecond
	t0 := time.Now()
	_, err := Fetch(context.Background(), t.TempDir(), File{URL: srv.URL + "/f.bin", Name: "f.bin", Size: int64(len(body)), SHA256: sum}, opt)
	took := time.Since(t0)
	if err == nil || !strings.Contains(err.Error(), srv.URL+"/f.bin") || !strings.Contains(err.Error(), "stalled: no data for 200ms") {
		t.Fatalf("want a stall error naming the address, got %v", err)
	}
	t.Log(err)
	if took > 3*time.Second {
		t.Errorf("took %v to give up, want about %d stall timeouts", took, maxStalls)
	}
	if n := requests.Load(); n != maxStalls {
		t.Errorf("%d requests, want %d (one per stalled attempt)", n, maxStalls)
	}
}

// TestStallBeforeHeadersFails: a server that accepts the request and never
// answers is a stall too.
func TestStallBeforeHeadersFails(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	opt := fast()
	opt.StallTimeout = 100 * time.Millisecond
	_, err := Fetch(context.Background(), t.TempDir(), File{URL: srv.URL, Name: "f.bin"}, opt)
	if err == nil || !strings.Contains(err.Error(), srv.URL) || !strings.Contains(err.Error(), "stalled") {
		t.Fatalf("want a stall error naming the address, got %v", err)
	}
}

// TestResumeAfterStall: a server that stalls once is resumed with a Range
// request, and the file is whole.
func TestResumeAfterStall(t *testing.T) {
	body, sum := payload()
	var ranged atomic.Int32
	srv := stallingServer(t, body, func(r *http.Request) bool {
		if r.Header.Get("Range") != "" {
			ranged.Add(1)
			return false
		}
		return true
	})
	opt := fast()
	opt.StallTimeout = 200 * time.Millisecond
	path, err := Fetch(context.Background(), t.TempDir(), File{URL: srv.URL, Name: "f.bin", Size: int64(len(body)), SHA256: sum}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if ranged.Load() != 1 {
		t.Fatalf("%d Range requests, want 1", ranged.Load())
	}
	got, err := SHA256File(path)
	if err != nil || got != sum {
		t.Fatalf("sha256 %s (%v), want %s", got, err, sum)
	}
}
