package nb

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// liveLog is where a notebook cell's long work reports: in a notebook, one
// display updated in place with the latest line (progress bars included)
// while the work runs, then replaced by a collapsed log of the lines that
// are not progress bars, so the figures a reader came for are not buried;
// outside a notebook (tests, scripts) standard output, line by line.
type liveLog struct {
	mu       sync.Mutex
	title    string
	id       string
	out      io.Writer // outside a notebook
	partial  []byte
	lines    []string // the lines that are not progress
	latest   string
	lastDraw time.Time
	start    time.Time
	update   func(id, html string) // gonbui.UpdateHTML
	show     func(html string)     // gonbui.DisplayHTML
}

// bar matches a progress line (internal/progress): "label [====   ] 40% ...".
var bar = regexp.MustCompile(`\[[= ]{10,}\]\s+\d+%`)

// newLog starts a log titled title (what the cell does).
func newLog(title string) *liveLog {
	l := &liveLog{title: title, start: time.Now(), update: gonbui.UpdateHTML, show: gonbui.DisplayHTML}
	if gonbui.IsNotebook {
		l.id = "dt-log-" + gonbui.UniqueId()
	} else {
		l.out = os.Stdout
	}
	return l
}

// Write takes the work's output, whole lines at a time.
func (l *liveLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.out != nil {
		return l.out.Write(p)
	}
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(l.partial[:i]), "\r")
		l.partial = l.partial[i+1:]
		if line == "" {
			continue
		}
		l.latest = line
		if !bar.MatchString(line) {
			l.lines = append(l.lines, line)
		}
	}
	if now := time.Now(); now.Sub(l.lastDraw) > 300*time.Millisecond {
		l.lastDraw = now
		l.update(l.id, fmt.Sprintf(`<div style="font-family:monospace;font-size:90%%">%s · %.0f s · %s</div>`,
			html.EscapeString(l.title), now.Sub(l.start).Seconds(), html.EscapeString(l.latest)))
	}
	return len(p), nil
}

// Done replaces the live display by the collapsed log.
func (l *liveLog) Done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.out != nil {
		return
	}
	defer syncGoNB() // read by GoNB before the cell's program may end
	if len(l.partial) > 0 {
		l.lines = append(l.lines, string(l.partial))
		l.partial = nil
	}
	if !l.lastDraw.IsZero() {
		l.update(l.id, "") // erase the live line
	}
	if len(l.lines) == 0 {
		return
	}
	count := fmt.Sprintf("%d lines", len(l.lines))
	if len(l.lines) == 1 {
		count = "1 line"
	}
	l.show(fmt.Sprintf(`<details><summary style="font-family:monospace;font-size:90%%">%s: done in %.0f s (log, %s)</summary><pre style="font-size:80%%">%s</pre></details>`,
		html.EscapeString(l.title), time.Since(l.start).Seconds(), count, html.EscapeString(strings.Join(l.lines, "\n"))))
}
