package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/sheet"
)

// newCheckCmd is `ucx check`: the offline batch checker. An exporter runs
// the policy (R1 letter, R5 data match, R7 transition, R9, R11, R12) over a
// whole stock list before filing anything, and gets one decision per row.
// docs/check.md documents the columns, the output and the exit codes.
func newCheckCmd() *cobra.Command {
	var (
		asOf, format, policyFile string
		failOn                   []string
	)
	cmd := &cobra.Command{
		Use:   "check [flags] FILE|-",
		Short: "check a CSV, XLSX or JSONL file of vehicles offline, one decision per row",
		Long: `check reads vehicles from a CSV (UTF-8), XLSX (first sheet) or JSON Lines file,
or from standard input with "-", and writes one decision per data row to
standard output: clear, letter-required, blocked or invalid, with reasons.
Columns are found by header name; see docs/check.md.

A summary goes to standard error. Exit status: 0 all rows evaluated,
1 an outcome named by --fail-on occurred, 2 usage or unreadable input,
3 internal error.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr(fmt.Errorf("check takes one FILE (CSV, XLSX or JSONL), or - for standard input; got %d arguments", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := checkOptions{format: format}
			var err error
			if opts.asOf, err = parseAsOf(asOf); err != nil {
				return usageErr(err)
			}
			if opts.format != "jsonl" && opts.format != "csv" && opts.format != "table" {
				return usageErr(fmt.Errorf("--format %q: use jsonl, csv or table", format))
			}
			if opts.failOn, err = parseFailOn(failOn); err != nil {
				return usageErr(err)
			}
			if policyFile == "" {
				opts.policy = policy.Default()
			} else if opts.policy, err = policy.LoadFile(policyFile); err != nil {
				return usageErr(fmt.Errorf("--policy %s: %s", policyFile, errText(err)))
			}
			return runCheck(cmd, args[0], opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&asOf, "as-of", "", "application date for rows without one (default today in China Standard Time)")
	f.StringVar(&format, "format", "jsonl", "output format: jsonl, csv or table")
	f.StringVar(&policyFile, "policy", "", "policy document to decide by (default the built-in policy)")
	f.StringSliceVar(&failOn, "fail-on", nil, "exit 1 if any row has one of these outcomes (clear, letter-required, blocked, invalid)")
	return cmd
}

type checkOptions struct {
	asOf   ucx.Date
	format string
	policy *policy.Policy
	failOn [ucx.Invalid + 1]bool
}

func parseAsOf(s string) (ucx.Date, error) {
	if s == "" {
		return ucx.Today(), nil
	}
	d, err := ucx.ParseDate(s)
	if err != nil {
		return ucx.Date{}, fmt.Errorf("--as-of: %s", ucx.ErrorMessage(err))
	}
	return d, nil
}

func parseFailOn(list []string) (set [ucx.Invalid + 1]bool, err error) {
	for _, s := range list {
		o, ok := ucx.ParseOutcome(strings.ToLower(strings.TrimSpace(s)))
		if !ok {
			return set, fmt.Errorf("--fail-on %q: use clear, letter-required, blocked or invalid, separated by commas", s)
		}
		set[o] = true
	}
	return set, nil
}

// errText is the message of err for a person: a ucx.Error's user message,
// or the error itself (an os error names the file and the cause).
func errText(err error) string {
	var ue *ucx.Error
	if errors.As(err, &ue) {
		return ucx.ErrorMessage(err)
	}
	return err.Error()
}

// runCheck opens the input, runs the pipeline and reports.
func runCheck(cmd *cobra.Command, name string, opts checkOptions) error {
	start := time.Now()
	var (
		r    *sheet.Reader
		err  error
		size int64 = -1
	)
	if name == "-" {
		r, err = sheet.NewReader(cmd.InOrStdin(), sheet.Auto)
		name = "standard input"
	} else {
		r, err = sheet.Open(name)
		if fi, serr := os.Stat(name); serr == nil {
			size = fi.Size()
		}
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return usageErr(fmt.Errorf("check: %s: no such file", name))
		}
		return usageErr(fmt.Errorf("check: %s: %s", name, errText(err)))
	}
	defer r.Close()

	stderr := cmd.ErrOrStderr()
	var prog *progress
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		prog = &progress{w: stderr, start: start, last: start, size: size}
	}
	c := newChecker(opts)
	st, readErr, outErr := c.run(r, cmd.OutOrStdout(), prog)
	prog.clear()
	for _, note := range r.Notes() {
		fmt.Fprintf(stderr, "ucx check: note: %s\n", note)
	}
	st.report(stderr, time.Since(start))

	switch {
	case outErr != nil:
		return &exitError{code: exitInternal, err: fmt.Errorf("check: %w", outErr)}
	case readErr != nil:
		return usageErr(fmt.Errorf("check: %s: stopped after row %d: %s", name, st.rows, errText(readErr)))
	}
	var hits int
	var names []string
	for o, on := range opts.failOn {
		if on && st.counts[o] > 0 {
			hits += st.counts[o]
			names = append(names, ucx.Outcome(o).String())
		}
	}
	if hits > 0 {
		noun := "rows"
		if hits == 1 {
			noun = "row"
		}
		return &exitError{code: exitFound, err: fmt.Errorf("check: %d %s %s (--fail-on)", hits, noun, strings.Join(names, " or "))}
	}
	return nil
}

// checkStats counts what the writer wrote.
type checkStats struct {
	rows   int
	counts [ucx.Invalid + 1]int
}

func (s *checkStats) report(w io.Writer, elapsed time.Duration) {
	var b strings.Builder
	fmt.Fprintf(&b, "ucx check: %d rows in %s", s.rows, elapsed.Round(time.Millisecond))
	if sec := elapsed.Seconds(); sec > 0 {
		fmt.Fprintf(&b, " (%.0f rows/s)", float64(s.rows)/sec)
	}
	b.WriteString(":")
	for o, n := range s.counts {
		if o > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %s %d", ucx.Outcome(o), n)
	}
	b.WriteString("\n")
	io.WriteString(w, b.String())
}

// progress redraws one status line on a terminal, at most ten times a
// second. A nil *progress draws nothing, so callers need no checks.
type progress struct {
	w     io.Writer
	start time.Time
	last  time.Time
	size  int64 // input size in bytes, -1 when unknown
	drawn bool
}

func (p *progress) update(rows int, offset int64) {
	if p == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	rate := float64(rows) / now.Sub(p.start).Seconds()
	if p.size > 0 && offset >= 0 {
		frac := min(float64(offset)/float64(p.size), 1)
		const width = 30
		fill := int(frac * width)
		fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %d rows  %.0f rows/s\x1b[K",
			strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, rows, rate)
	} else {
		fmt.Fprintf(p.w, "\r%d rows  %.0f rows/s\x1b[K", rows, rate)
	}
	p.drawn = true
}

func (p *progress) clear() {
	if p != nil && p.drawn {
		io.WriteString(p.w, "\r\x1b[K")
	}
}

// The pipeline: one reader goroutine reads raw rows into batches, GOMAXPROCS
// workers parse, decide and encode whole batches into byte buffers, and the
// calling goroutine writes the buffers in input order. Batches are recycled
// through a free list, so a run of any length allocates a fixed set of them
// and, per row, little beyond what encoding/csv allocates for the record.
const batchSize = 1024

type batch struct {
	rows   []sheet.Row
	n      int
	out    []byte
	counts [ucx.Invalid + 1]int
	offset int64         // input bytes consumed after the batch's last row
	done   chan struct{} // a worker signals here when out is ready
	err    error         // a panic in the policy or the encoder
}

// worker holds the reusable state of one worker goroutine.
type worker struct {
	dec     ucx.Decision
	reasons []ucx.Reason
	// msgs caches the JSON encoding of reason messages by reason code. The
	// policy's messages are long, fixed texts repeated on every row that
	// has the reason; escaping them once per worker rather than once per
	// row halves the cost of a line. A code whose message varies (one that
	// quotes the row's value) simply misses.
	msgs map[string]encodedMessage
}

type encodedMessage struct {
	msg, zh string
	enc     []byte
}

// appendMessage appends the reason's "message" member and, when it has a
// Chinese one, its "message_zh" member (as encoding/json does with
// omitempty), from the cache when the code's cached messages are these
// (usually the very same strings, so the comparison is a pointer check).
func (w *worker) appendMessage(b []byte, r *ucx.Reason) []byte {
	if m, ok := w.msgs[r.Code]; ok && m.msg == r.Message && m.zh == r.MessageZH {
		return append(b, m.enc...)
	}
	start := len(b)
	b = append(b, `,"message":`...)
	b = appendJSONString(b, r.Message)
	if r.MessageZH != "" {
		b = append(b, `,"message_zh":`...)
		b = appendJSONString(b, r.MessageZH)
	}
	if _, ok := w.msgs[r.Code]; !ok && len(w.msgs) < 1024 {
		if w.msgs == nil {
			w.msgs = make(map[string]encodedMessage)
		}
		w.msgs[r.Code] = encodedMessage{msg: r.Message, zh: r.MessageZH, enc: slices.Clone(b[start:])}
	}
	return b
}

type checker struct {
	opts       checkOptions
	ref        ucx.PolicyRef
	policyJSON []byte // the "policy" object, the same on every line
}

func newChecker(opts checkOptions) *checker {
	c := &checker{opts: opts, ref: opts.policy.Ref()}
	b := []byte(`{"id":`)
	b = appendJSONString(b, c.ref.ID)
	b = append(b, `,"version":`...)
	b = appendJSONString(b, c.ref.Version)
	b = append(b, `,"sha256":`...)
	b = appendJSONString(b, c.ref.SHA256)
	c.policyJSON = append(b, '}')
	return c
}

// run streams every row of r through the policy to out. readErr is why the
// input stopped early; outErr is a failure to write or an internal error.
func (c *checker) run(r *sheet.Reader, out io.Writer, prog *progress) (st checkStats, readErr, outErr error) {
	workers := runtime.GOMAXPROCS(0)
	nb := 2*workers + 2
	free := make(chan *batch, nb)
	for range nb {
		free <- &batch{rows: make([]sheet.Row, batchSize), out: make([]byte, 0, batchSize*768), done: make(chan struct{}, 1)}
	}
	work := make(chan *batch, nb)
	order := make(chan *batch, nb)
	stop := make(chan struct{})

	go func() {
		defer close(order)
		defer close(work)
		for {
			var b *batch
			select {
			case b = <-free:
			case <-stop:
				return
			}
			b.n = 0
			// Only what must be sequential happens here: reading the
			// records. The workers parse the values (Row.Parse).
			for b.n < batchSize && r.NextRaw() {
				r.Row().CopyTo(&b.rows[b.n])
				b.n++
			}
			b.offset = r.Offset()
			if b.n == 0 {
				readErr = r.Err()
				return
			}
			// Neither send blocks: both channels hold every batch there is.
			work <- b
			order <- b
			if b.n < batchSize {
				readErr = r.Err()
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{}
			for b := range work {
				c.process(b, w)
				b.done <- struct{}{}
			}
		}()
	}

	bw := bufio.NewWriterSize(out, 256<<10)
	bw.Write(c.header())
	for b := range order {
		<-b.done
		if outErr != nil {
			continue // drain, and keep the batch from the reader so it stops
		}
		if b.err != nil {
			outErr = b.err
		} else if _, err := bw.Write(b.out); err != nil {
			outErr = err
		}
		if outErr != nil {
			close(stop)
			continue
		}
		st.rows += b.n
		for o, n := range b.counts {
			st.counts[o] += n
		}
		prog.update(st.rows, b.offset)
		free <- b
	}
	wg.Wait()
	if err := bw.Flush(); err != nil && outErr == nil {
		outErr = err
	}
	return st, readErr, outErr
}

// process decides and encodes one batch. A panic (a bug, never the input's
// fault) is kept as the batch's error rather than killing the process with
// a misleading exit status.
func (c *checker) process(b *batch, w *worker) {
	i := 0
	defer func() {
		if p := recover(); p != nil {
			n := 0
			if i < b.n {
				n = b.rows[i].N
			}
			b.err = ucx.Internal("check", fmt.Errorf("panic at row %d: %v", n, p))
		}
	}()
	b.out = b.out[:0]
	b.counts = [ucx.Invalid + 1]int{}
	for i = 0; i < b.n; i++ {
		row := &b.rows[i]
		row.Parse()
		reasons := c.decide(row, w)
		b.counts[w.dec.Outcome]++
		b.out = c.appendRow(b.out, row, &w.dec, reasons, w)
	}
}

// decide fills w.dec for row and returns the reasons to report. Reasons
// name the file's columns (sheet.ColumnOf), not the policy's field names. A
// row whose
// values could not all be read is invalid: its problems come first, then
// whatever the policy found about the other columns (a policy reason about
// a column that already has a problem would only repeat it). A row that
// could not be read at all is not judged.
func (c *checker) decide(row *sheet.Row, w *worker) []ucx.Reason {
	v := &row.Vehicle
	if v.ApplicationDate.IsZero() && !row.HasProblem(sheet.ColApplicationDate) {
		v.ApplicationDate = c.opts.asOf
	}
	d := &w.dec
	if row.Unreadable() {
		d.Reset()
		d.Policy = c.ref
		d.Outcome = ucx.Invalid
		return row.Problems
	}
	c.opts.policy.Decide(v, d)
	for i := range d.Reasons {
		d.Reasons[i].Field = sheet.ColumnOf(d.Reasons[i].Field)
	}
	if len(row.Problems) == 0 {
		return d.Reasons
	}
	w.reasons = append(w.reasons[:0], row.Problems...)
	for _, r := range d.Reasons {
		if r.Field == "" || !row.HasProblem(r.Field) {
			w.reasons = append(w.reasons, r)
		}
	}
	d.Outcome = ucx.Invalid
	return w.reasons
}

func (c *checker) header() []byte {
	switch c.opts.format {
	case "csv":
		return []byte("row,vin,outcome,days_since_registration,letter_free_from,reasons,policy_id\n")
	case "table":
		return appendTableHeader(nil)
	}
	return nil
}

func (c *checker) appendRow(b []byte, row *sheet.Row, d *ucx.Decision, reasons []ucx.Reason, w *worker) []byte {
	switch c.opts.format {
	case "csv":
		return c.appendCSV(b, row, d, reasons)
	case "table":
		return c.appendTable(b, row, d, reasons)
	}
	return c.appendJSONL(b, row, d, reasons, w)
}

// appendJSONL writes one decision as a JSON object on one line. It is
// written by hand because encoding/json's reflection would cost more than
// the decision itself; check_test.go proves encoding/json reads every line
// back field by field.
func (c *checker) appendJSONL(b []byte, row *sheet.Row, d *ucx.Decision, reasons []ucx.Reason, w *worker) []byte {
	b = append(b, `{"row":`...)
	b = strconv.AppendInt(b, int64(row.N), 10)
	b = append(b, `,"line":`...)
	b = strconv.AppendInt(b, int64(row.Line), 10)
	b = append(b, `,"vin":`...)
	b = appendJSONString(b, row.Vehicle.VIN)
	b = append(b, `,"outcome":"`...)
	b = append(b, d.Outcome.String()...)
	b = append(b, `","application_date":`...)
	b = appendJSONDate(b, row.Vehicle.ApplicationDate)
	b = append(b, `,"days_since_registration":`...)
	if d.HasDays {
		b = strconv.AppendInt(b, int64(d.DaysSinceRegistration), 10)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"letter_required":`...)
	b = strconv.AppendBool(b, d.LetterRequired)
	b = append(b, `,"letter_free_from":`...)
	b = appendJSONDate(b, d.LetterFreeFrom)
	b = append(b, `,"transitional":`...)
	b = strconv.AppendBool(b, d.Transitional)
	b = append(b, `,"reasons":[`...)
	for i := range reasons {
		r := &reasons[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"rule":`...)
		b = appendJSONString(b, r.Rule)
		b = append(b, `,"code":`...)
		b = appendJSONString(b, r.Code)
		b = append(b, `,"severity":"`...)
		b = append(b, r.Severity.String()...)
		b = append(b, '"')
		if r.Field != "" {
			b = append(b, `,"field":`...)
			b = appendJSONString(b, r.Field)
		}
		b = w.appendMessage(b, r)
		b = append(b, '}')
	}
	b = append(b, `],"policy":`...)
	b = append(b, c.policyJSON...)
	return append(b, "}\n"...)
}

func appendJSONDate(b []byte, d ucx.Date) []byte {
	if d.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = d.AppendFormat(b)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string (RFC 8259): quotes and
// backslashes escaped, control characters as \n, \r, \t, \b, \f or \u00XX,
// each byte of invalid UTF-8 as \ufffd (as encoding/json does), and U+2028
// and U+2029 escaped so the output is also safe inside JavaScript.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendCSV writes one decision as a CSV record (RFC 4180). The reasons are
// one field, always quoted, each as appendReason writes it, joined by " | ".
func (c *checker) appendCSV(b []byte, row *sheet.Row, d *ucx.Decision, reasons []ucx.Reason) []byte {
	b = strconv.AppendInt(b, int64(row.N), 10)
	b = append(b, ',')
	b = appendCSVField(b, row.Vehicle.VIN)
	b = append(b, ',')
	b = append(b, d.Outcome.String()...)
	b = append(b, ',')
	if d.HasDays {
		b = strconv.AppendInt(b, int64(d.DaysSinceRegistration), 10)
	}
	b = append(b, ',')
	b = d.LetterFreeFrom.AppendFormat(b)
	b = append(b, ',')
	if len(reasons) > 0 {
		b = append(b, '"')
		for i := range reasons {
			if i > 0 {
				b = append(b, " | "...)
			}
			b = appendReason(b, &reasons[i], appendCSVQuoted)
		}
		b = append(b, '"')
	}
	b = append(b, ',')
	b = appendCSVField(b, c.ref.ID)
	return append(b, '\n')
}

// appendReason writes a reason for people, `R1 letter_required: …`, with
// the column in brackets when there is one; text goes through esc.
func appendReason(b []byte, r *ucx.Reason, esc func([]byte, string) []byte) []byte {
	b = esc(b, r.Rule)
	b = append(b, ' ')
	b = esc(b, r.Code)
	if r.Field != "" {
		b = append(b, " ("...)
		b = esc(b, r.Field)
		b = append(b, ')')
	}
	b = append(b, ": "...)
	return esc(b, r.Message)
}

// appendCSVField quotes s when encoding/csv would: when it holds a comma,
// a quote or a line break, or starts with a space. Text a spreadsheet
// would run as a formula gets sheet.SafeCell's apostrophe first.
func appendCSVField(b []byte, s string) []byte {
	s = sheet.SafeCell(s)
	if s == "" || (!strings.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[0] != '\t') {
		return append(b, s...)
	}
	b = append(b, '"')
	b = appendCSVQuoted(b, s)
	return append(b, '"')
}

// appendCSVQuoted appends s for use inside a quoted CSV field: every quote
// doubled.
func appendCSVQuoted(b []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			return append(b, s...)
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
}

// appendValid appends s with each byte of invalid UTF-8 replaced by U+FFFD,
// so a terminal never receives a broken sequence.
func appendValid(b []byte, s string) []byte {
	if utf8.ValidString(s) {
		return append(b, s...)
	}
	for _, r := range s { // ranging yields U+FFFD for each invalid byte
		b = utf8.AppendRune(b, r)
	}
	return b
}

// Table columns, in characters, and the blanks that pad them.
const (
	tabRow     = 7
	tabVIN     = 17
	tabOutcome = 15
	tabDays    = 5
	tabFree    = 11
	tabGap     = "  "
	tabIndent  = tabRow + tabVIN + tabOutcome + tabDays + tabFree + 5*len(tabGap)
	blanks     = "                                                                                "
)

// appendTable writes one decision as aligned columns, one reason per line
// under the REASONS heading.
func (c *checker) appendTable(b []byte, row *sheet.Row, d *ucx.Decision, reasons []ucx.Reason) []byte {
	var num [24]byte
	b = padLeft(b, strconv.AppendInt(num[:0], int64(row.N), 10), tabRow)
	b = append(b, tabGap...)
	vinText := row.Vehicle.VIN
	if vinText == "" {
		vinText = "-"
	}
	start := len(b)
	b = appendValid(b, vinText)
	b = padTo(b, start, tabVIN)
	b = append(b, tabGap...)
	b = append(b, d.Outcome.String()...)
	b = append(b, blanks[:tabOutcome-len(d.Outcome.String())]...)
	b = append(b, tabGap...)
	if d.HasDays {
		b = padLeft(b, strconv.AppendInt(num[:0], int64(d.DaysSinceRegistration), 10), tabDays)
	} else {
		b = padLeft(b, []byte("-"), tabDays)
	}
	b = append(b, tabGap...)
	if d.LetterFreeFrom.IsZero() {
		b = append(b, '-')
		b = append(b, blanks[:tabFree-1]...)
	} else {
		b = d.LetterFreeFrom.AppendFormat(b)
		b = append(b, blanks[:tabFree-10]...)
	}
	b = append(b, tabGap...)
	if len(reasons) == 0 {
		return append(b, "-\n"...)
	}
	for i := range reasons {
		if i > 0 {
			b = append(b, blanks[:tabIndent]...)
		}
		b = appendReason(b, &reasons[i], appendValid)
		b = append(b, '\n')
	}
	return b
}

func appendTableHeader(b []byte) []byte {
	b = padLeft(b, []byte("ROW"), tabRow)
	for _, h := range []struct {
		name  string
		width int
	}{{"VIN", tabVIN}, {"OUTCOME", tabOutcome}} {
		b = append(b, tabGap...)
		b = append(b, h.name...)
		b = append(b, blanks[:h.width-len(h.name)]...)
	}
	b = append(b, tabGap...)
	b = padLeft(b, []byte("DAYS"), tabDays)
	b = append(b, tabGap...)
	b = append(b, "LETTER-FREE"...)
	b = append(b, blanks[:tabFree-len("LETTER-FREE")]...)
	b = append(b, tabGap...)
	return append(b, "REASONS\n"...)
}

// padLeft right-aligns the ASCII text s in a column of width bytes.
func padLeft(b, s []byte, width int) []byte {
	if gap := width - len(s); gap > 0 {
		b = append(b, blanks[:gap]...)
	}
	return append(b, s...)
}

// padTo fills the column that started at b[start:] to width display
// columns (displayWidth).
// Text wider than the column is left whole and shifts the rest of the line:
// a long, invalid VIN stays readable.
func padTo(b []byte, start, width int) []byte {
	w := len(b) - start
	for _, c := range b[start:] {
		if c >= utf8.RuneSelf {
			w = displayWidth(string(b[start:]))
			break
		}
	}
	if gap := width - w; gap > 0 {
		b = append(b, blanks[:gap]...)
	}
	return b
}
