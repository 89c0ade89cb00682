package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/internal/progress"
)

// File describes one download.
type File struct {
	URL    string
	Name   string                  // file name inside the destination folder
	Size   int64                   // expected size in bytes; 0 if unpublished
	SHA256 string                  // expected hex digest, or a prefix of it; "" if unpublished
	Check  func(path string) error // extra content check; nil for none
}

// Options tune Fetch. The zero value is usable.
type Options struct {
	Client   *http.Client // nil: a client with no overall timeout
	Progress io.Writer    // where the bar goes; nil: no bar
	Retries  int          // attempts after a dropped connection; 0: 5
	Backoff  time.Duration
	// StallTimeout aborts an attempt that receives no byte (headers or
	// body) for this long; the next attempt resumes where it stopped. The
	// transfer fails at the third stall, so with the default a server that
	// stops sending fails the download within about a minute and a half.
	// 0: 30 s.
	StallTimeout time.Duration
}

// maxStalls is how many stalled attempts one Fetch tolerates (within
// Retries): a server that stalls every time is not waited on Retries times.
const maxStalls = 3

// ErrVerify marks downloads whose bytes were not the expected ones.
var ErrVerify = errors.New("verification failed")

// Fetch makes dir/f.Name hold the verified file and returns its path. A file
// already there that passes verification is kept without any request.
func Fetch(ctx context.Context, dir string, f File, opt Options) (string, error) {
	final := filepath.Join(dir, f.Name)
	if _, err := os.Stat(final); err == nil {
		if err := verify(final, f); err == nil {
			return final, nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	part := final + ".part"
	if err := download(ctx, part, f, opt); err != nil {
		return "", err
	}
	if err := verify(part, f); err != nil {
		_ = os.Remove(part)
		return "", fmt.Errorf("%s from %s: %w (the partial file was removed)", f.Name, f.URL, err)
	}
	if err := os.Rename(part, final); err != nil {
		return "", err
	}
	return final, nil
}

// download fills part, resuming from whatever it already holds, retrying
// dropped connections.
func download(ctx context.Context, part string, f File, opt Options) error {
	client := opt.Client
	if client == nil {
		client = &http.Client{}
	}
	retries := opt.Retries
	if retries <= 0 {
		retries = 5
	}
	backoff := opt.Backoff
	if backoff == 0 {
		backoff = time.Second
	}
	stall := opt.StallTimeout
	if stall <= 0 {
		stall = 30 * time.Second
	}
	bar := progress.New(opt.Progress, "download "+f.Name, f.Size, "B")
	defer bar.Done()
	var lastErr error
	attempts, stalls := 0, 0
	for attempts <= retries && stalls < maxStalls {
		if attempts > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff):
			}
		}
		attempts++
		done, err := attemptOnce(ctx, client, part, f, bar, stall)
		if done {
			return nil
		}
		var perm permanentError
		if errors.As(err, &perm) || ctx.Err() != nil {
			return err
		}
		if errors.Is(err, errStalled) {
			stalls++
		}
		lastErr = err
	}
	return fmt.Errorf("%s from %s: gave up after %d attempts: %w", f.Name, f.URL, attempts, lastErr)
}

type permanentError struct{ error }

// errStalled marks an attempt the stall watchdog aborted.
var errStalled = errors.New("stalled")

// watchdog reads from r, and cancels the attempt when no byte has arrived
// for the stall timeout since the last one (or since the request went out).
type watchdog struct {
	r     io.Reader
	timer *time.Timer
	stall time.Duration
}

func (w *watchdog) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.timer.Reset(w.stall)
	}
	return n, err
}

// attemptOnce sends one request and appends the body to part. It reports
// whether the transfer reached its end.
func attemptOnce(ctx context.Context, client *http.Client, part string, f File, bar *progress.Bar, stall time.Duration) (bool, error) {
	var offset int64
	if st, err := os.Stat(part); err == nil {
		offset = st.Size()
	}
	if f.Size > 0 && offset == f.Size {
		return true, nil
	}
	if f.Size > 0 && offset > f.Size {
		_ = os.Remove(part)
		offset = 0
	}
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(stall, func() { cancel(errStalled) })
	defer timer.Stop()
	// stalled names the watchdog's abort, whatever error it surfaced as.
	stalled := func(err error, at int64) error {
		if ctx.Err() == nil && errors.Is(context.Cause(actx), errStalled) {
			return fmt.Errorf("%w: no data for %v at byte %d", errStalled, stall, at)
		}
		return err
	}
	req, err := http.NewRequestWithContext(actx, http.MethodGet, f.URL, nil)
	if err != nil {
		return false, permanentError{err}
	}
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, stalled(err, offset)
	}
	defer resp.Body.Close()
	flags := os.O_CREATE | os.O_WRONLY
	switch {
	case resp.StatusCode == http.StatusPartialContent && offset > 0:
		flags |= os.O_APPEND
	case resp.StatusCode == http.StatusOK:
		flags |= os.O_TRUNC // the server ignored Range: start over
		offset = 0
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		_ = os.Remove(part) // what we hold is not a prefix of this file
		return false, fmt.Errorf("server refused to resume at byte %d", offset)
	default:
		return false, permanentError{fmt.Errorf("%s: GET %s: %s", f.Name, f.URL, resp.Status)}
	}
	out, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return false, permanentError{err}
	}
	bar.Set(offset)
	body := &watchdog{r: resp.Body, timer: timer, stall: stall}
	n, copyErr := io.Copy(out, io.TeeReader(body, barWriter{bar}))
	closeErr := out.Close()
	if copyErr != nil {
		if err := stalled(nil, offset+n); err != nil {
			return false, err
		}
		return false, fmt.Errorf("connection dropped after %d bytes: %w", offset+n, copyErr)
	}
	if closeErr != nil {
		return false, permanentError{closeErr}
	}
	if resp.ContentLength >= 0 && n < resp.ContentLength {
		return false, fmt.Errorf("short body: %d of %d bytes", n, resp.ContentLength)
	}
	return true, nil
}

type barWriter struct{ bar *progress.Bar }

func (w barWriter) Write(p []byte) (int, error) {
	w.bar.Add(int64(len(p)))
	return len(p), nil
}

// verify checks size, digest and content of path against f.
func verify(path string, f File) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if f.Size > 0 && st.Size() != f.Size {
		return fmt.Errorf("%w: size %d bytes, want %d", ErrVerify, st.Size(), f.Size)
	}
	if f.SHA256 != "" {
		sum, err := SHA256File(path)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(sum, strings.ToLower(f.SHA256)) {
			return fmt.Errorf("%w: sha256 %s, want %s", ErrVerify, sum, f.SHA256)
		}
	}
	if f.Check != nil {
		if err := f.Check(path); err != nil {
			return fmt.Errorf("%w: %v", ErrVerify, err)
		}
	}
	return nil
}

// SHA256File returns the hex SHA-256 digest of a file.
func SHA256File(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
