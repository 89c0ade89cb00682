package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Bar reports progress of a task of known size. It is safe for concurrent use.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	unit     string
	total    int64
	cur      int64
	tty      bool
	start    time.Time
	lastDraw time.Time
	lastStep int64
	lastLine time.Time
	done     bool
	now      func() time.Time // the clock (tests replace it)
	cols     int              // the line's width: the terminal's, else Columns
}

// Columns is the width of a progress line off a terminal (and on one whose
// width is unknown).
const Columns = 80

// Steps is how many lines a non-terminal writer gets at most over a whole
// task: one per tenth of it, and never two within Interval of each other
// (a task shorter than that gets its final line only).
const Steps = 10

// Interval is the least time between two progress lines off a terminal.
const Interval = 10 * time.Second

// New starts a bar for total units of work labelled label. unit names the
// units ("img", "B", "epoch"); bytes ("B") are shown in MB. A nil w discards.
func New(w io.Writer, label string, total int64, unit string) *Bar {
	if w == nil {
		w = io.Discard
	}
	now := time.Now()
	b := &Bar{w: w, label: label, unit: unit, total: total, tty: IsTerminal(w), start: now, lastLine: now, now: time.Now, cols: Columns}
	if f, ok := w.(*os.File); ok && b.tty {
		if c, _, err := term.GetSize(int(f.Fd())); err == nil && c >= 20 {
			b.cols = c
		}
	}
	return b
}

// IsTerminal reports whether w is a character device (an interactive terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Add advances the bar by n units.
func (b *Bar) Add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cur += n
	b.draw(false)
}

// Set moves the bar to n units done.
func (b *Bar) Set(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cur = n
	b.draw(false)
}

// Done completes the bar with a final line and the elapsed time.
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	if b.total > 0 && b.cur < b.total {
		b.cur = b.total
	}
	b.draw(true)
	b.done = true
}

func (b *Bar) draw(final bool) {
	now := b.now()
	if b.tty {
		if !final && now.Sub(b.lastDraw) < 100*time.Millisecond {
			return
		}
		b.lastDraw = now
		end := ""
		if final {
			end = "\n"
		}
		fmt.Fprintf(b.w, "\r%s\x1b[K%s", b.line(now), end) // the rest of a longer earlier line erased
		return
	}
	step := int64(0)
	if b.total > 0 {
		step = b.cur * Steps / b.total
	}
	if !final && (step == b.lastStep || now.Sub(b.lastLine) < Interval) {
		return
	}
	if final && b.lastStep == Steps {
		return // the last line already said 100%
	}
	b.lastStep, b.lastLine = step, now
	fmt.Fprintln(b.w, b.line(now))
}

func (b *Bar) line(now time.Time) string {
	el := now.Sub(b.start).Seconds()
	cur, total, unit := float64(b.cur), float64(b.total), b.unit
	if unit == "B" {
		cur, total, unit = cur/1e6, total/1e6, "MB"
	}
	rate := ""
	if el > 0 {
		rate = fmt.Sprintf(" %.1f %s/s", cur/el, unit)
	}
	if b.total <= 0 {
		return b.fit(fmt.Sprintf("%s: %.0f %s%s %.1fs", b.label, cur, unit, rate, el))
	}
	frac := min(cur/total, 1)
	tail := fmt.Sprintf(" %3.0f%% %.0f/%.0f %s%s %.1fs", 100*frac, cur, total, unit, rate, el)
	// the bar takes what the label and the numbers leave of the line (one
	// column spare: a full line wraps on some terminals), up to 30; below
	// 5 it is left out
	width := min(30, b.cols-1-len(b.label)-len(tail)-3)
	if width < 5 {
		return b.fit(b.label + tail)
	}
	fill := int(frac * float64(width))
	return fmt.Sprintf("%s [%s%s]%s", b.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), tail)
}

// fit shortens s to the terminal's width less one column, cutting the end;
// a log line (off a terminal) keeps all of it.
func (b *Bar) fit(s string) string {
	if r := []rune(s); b.tty && len(r) > b.cols-1 {
		return string(r[:max(b.cols-2, 0)]) + "…"
	}
	return s
}
