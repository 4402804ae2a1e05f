// Package sheet reads vehicles from the files exporters keep them in: CSV
// (what every system can export), XLSX (what exporters actually work in) and
// JSON Lines (what other programs produce). It turns each data row into a
// ucx.Vehicle for the policy (REGULATION.md R1, R5, R7, R9, R11, R12) and
// reports every value it cannot read as a reason naming the column and the
// fix, so that one bad cell makes one row invalid and never stops a run.
//
// Columns are found by header name, in any order, so exporters can keep
// their own spreadsheets: names are case-insensitive, surrounding spaces are
// ignored and inner spaces or hyphens count as underscores ("Registration
// Date" is registration_date). Columns the package does not know are kept
// and readable with Row.Value, so the platform's bulk import can reuse the
// reader with its own filing columns (buyer, contract number, …).
//
// The CSV path is the hot one (a million rows a run for the batch checker):
// it reuses the record and the Row and allocates about once a row.
package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/ucxdev/ucx"
	"github.com/xuri/excelize/v2"
)

// Format is a file format the reader understands.
type Format uint8

// The formats. Auto means "look at the content": a ZIP signature is XLSX, a
// first non-space character { is JSON Lines, anything else is CSV.
const (
	Auto Format = iota
	CSV
	XLSX
	JSONL
)

// String returns the format's name as users write it.
func (f Format) String() string {
	switch f {
	case CSV:
		return "csv"
	case XLSX:
		return "xlsx"
	case JSONL:
		return "jsonl"
	}
	return "auto"
}

// FormatOf returns the format a file name's extension announces, or Auto
// when the extension is not one of .csv, .txt, .xlsx, .xlsm, .jsonl,
// .ndjson.
func FormatOf(name string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt":
		return CSV
	case ".xlsx", ".xlsm":
		return XLSX
	case ".jsonl", ".ndjson":
		return JSONL
	}
	return Auto
}

// Sniff guesses the format from the first bytes of a file: the ZIP local
// file header PK\x03\x04 means XLSX, a first non-space byte { (after an
// optional UTF-8 byte-order mark) means JSON Lines, anything else CSV.
func Sniff(prefix []byte) Format {
	if bytes.HasPrefix(prefix, []byte("PK\x03\x04")) {
		return XLSX
	}
	prefix = bytes.TrimPrefix(prefix, bom)
	for _, c := range prefix {
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		if c == '{' {
			return JSONL
		}
		return CSV
	}
	return CSV
}

var bom = []byte("\xef\xbb\xbf")

// oleMagic starts the old binary .xls workbook (and other OLE2 files), which
// this package does not read; recognising it lets the error say so.
var oleMagic = []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")

// Reader reads the data rows of one file, one at a time:
//
//	for r.Next() {
//		row := r.Row()
//		…
//	}
//	if err := r.Err(); err != nil { … }
//
// The Row returned by Row is reused by the next call to Next; keep one with
// Row.CopyTo. A Reader is not safe for concurrent use.
type Reader struct {
	format Format
	lay    *layout
	row    Row
	n      int   // data rows returned so far
	err    error // sticky: the file can no longer be read
	closer io.Closer

	// CSV and JSON Lines
	dec *decoder // between the file and the reader, or nil
	enc string   // the encoding converted from at the start, "" for UTF-8

	// CSV
	csv    *csv.Reader
	bomLen int64

	// XLSX
	xl       *excelize.File
	xrows    *excelize.Rows
	xline    int // sheet row number of the current row
	date1904 bool

	// JSONL
	jl      *bufio.Reader
	jline   int        // line number of the current line
	joff    int64      // bytes consumed
	jbuf    []byte     // the current line
	pending []jsonLine // lines read ahead while looking for the first object
	js      *jsonReader
}

// Open opens the file at path and reads its header. The format comes from the
// extension (FormatOf) or, when that says nothing, from the content (Sniff).
// A file that cannot be opened, is not CSV, XLSX or JSON Lines, or has no
// vin column is an error: no row of it can be judged. The errors meant for
// users are *ucx.Error with code EINVALID; a missing file is the os error.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // a missing or unreadable file keeps its os error
	}
	format := FormatOf(path)
	if format == XLSX {
		// excelize reads a named file through io.ReaderAt, without first
		// copying all of it into memory as it must for a stream.
		f.Close()
		xf, err := excelize.OpenFile(path)
		if err != nil {
			return nil, workbookError(err)
		}
		return newXLSX(xf)
	}
	r, err := NewReader(f, format)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = multiCloser{r.closer, f}
	return r, nil
}

// NewReader reads the header of a file in format f from src (Auto sniffs the
// content, as for standard input) and returns a Reader for its rows. XLSX is
// read into memory first, as the ZIP format requires; CSV and JSON Lines are
// streamed.
func NewReader(src io.Reader, f Format) (*Reader, error) {
	br := bufio.NewReaderSize(src, 64<<10)
	prefix, err := br.Peek(512)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(prefix, bom))) == 0 {
		return nil, ucx.FieldErrorf(ucx.EINVALID, ColVIN, "the input is empty; the first row must be a header naming the columns, with at least vin")
	}
	if bytes.HasPrefix(prefix, oleMagic) {
		return nil, ucx.Errorf(ucx.EINVALID, "this is an old binary Excel (.xls) workbook, which cannot be read; save it from Excel as .xlsx or as CSV UTF-8")
	}
	if f == XLSX || f == Auto && Sniff(prefix) == XLSX {
		xf, err := excelize.OpenReader(br)
		if err != nil {
			return nil, workbookError(err)
		}
		return newXLSX(xf)
	}
	br, dec, enc, err := decodeText(br)
	if err != nil {
		return nil, err
	}
	if enc != "" {
		if prefix, err = br.Peek(512); err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
	if f == Auto {
		f = Sniff(prefix)
	}
	var r *Reader
	if f == JSONL {
		r, err = newJSONL(br)
	} else {
		r, err = newCSV(br, prefix)
	}
	if err != nil {
		return nil, err
	}
	r.dec, r.enc = dec, enc
	return r, nil
}

// Encoding returns the encoding the text was converted from: GB18030 (a
// CSV saved by Excel on a Chinese Windows, GBK being part of it), UTF-16
// (Excel's "Unicode Text"), or UTF-8 when it was read as it is. For a
// stream it may change from UTF-8 to GB18030 as reading goes on, since the
// choice is made at the first byte that is not ASCII. XLSX is UTF-8.
func (r *Reader) Encoding() string {
	if r.enc != "" {
		return r.enc
	}
	if r.dec != nil && r.dec.enc == EncodingGB18030 {
		return EncodingGB18030
	}
	return EncodingUTF8
}

// Notes returns what a user should know about how the file was read,
// though no row is wrong for it: that the text was converted from GB18030
// or UTF-16, and the headings that name no column ucx reads (which are
// ignored, and are often a misspelt column). Call it after reading the
// rows for the encoding of a stream to be known.
func (r *Reader) Notes() []string {
	var notes []string
	switch r.Encoding() {
	case EncodingGB18030:
		notes = append(notes, "the file is not UTF-8 text but GB18030 (GBK), as Excel saves CSV on a Chinese Windows, and was converted from GB18030; save it as CSV UTF-8 to avoid the conversion")
	case EncodingUTF16:
		notes = append(notes, "the file is UTF-16 text (Excel's Unicode Text) and was converted from UTF-16")
	}
	unknown := r.lay.unknown
	if r.js != nil {
		unknown = r.js.unknown
	}
	if n := unknownNote(unknown); n != "" {
		notes = append(notes, n)
	}
	return notes
}

// Format returns the format being read.
func (r *Reader) Format() Format { return r.format }

// Columns returns the column names as the header gives them, normalised
// (lower case, trimmed, inner spaces as underscores), in file order. For
// JSON Lines they are the keys seen so far, in order of first appearance.
// The slice must not be modified.
func (r *Reader) Columns() []string { return r.lay.names }

// Next reads the next data row, skipping rows whose every value is empty. It
// returns false at the end of the input or when the input cannot be read
// any further; Err tells which.
func (r *Reader) Next() bool {
	if !r.NextRaw() {
		return false
	}
	r.row.Parse()
	return true
}

// NextRaw is Next without reading the values: the row has its number, line,
// raw values and any whole-row problem, and Row.Parse fills Vehicle and
// Problems later. A pipeline uses it to keep the reading goroutine to the
// work that must be sequential, and parses copies of the rows (Row.CopyTo)
// on every core.
func (r *Reader) NextRaw() bool {
	if r.err != nil {
		return false
	}
	var ok bool
	switch r.format {
	case XLSX:
		ok = r.nextXLSX()
	case JSONL:
		ok = r.nextJSONL()
	default:
		ok = r.nextCSV()
	}
	if ok {
		r.n++
		r.row.N = r.n
	}
	return ok
}

// Row returns the current row. It is valid until the next call to Next.
func (r *Reader) Row() *Row { return &r.row }

// Err returns the error that stopped the reader, or nil at a clean end of
// input. Problems with single rows are never returned here: they are in
// Row.Problems.
func (r *Reader) Err() error { return r.err }

// Offset returns how many bytes of the input have been consumed, for
// progress reports, or -1 when the format does not tell (XLSX).
func (r *Reader) Offset() int64 {
	if r.enc == EncodingUTF16 {
		return -1
	}
	if r.dec != nil && r.dec.enc == EncodingGB18030 {
		return r.dec.raw
	}
	switch r.format {
	case CSV:
		return r.bomLen + r.csv.InputOffset()
	case JSONL:
		return r.joff
	}
	return -1
}

// Close releases the file and any temporary files of a workbook.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	err := r.closer.Close()
	r.closer = nil
	return err
}

type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var first error
	for _, c := range m {
		if c == nil {
			continue
		}
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// newCSV reads the header line. The delimiter is a comma unless the header
// has none and has semicolons or tabs instead, as spreadsheets saved in some
// locales do.
func newCSV(br *bufio.Reader, prefix []byte) (*Reader, error) {
	r := &Reader{format: CSV}
	if bytes.HasPrefix(prefix, bom) {
		br.Discard(len(bom))
		r.bomLen = int64(len(bom))
		prefix = prefix[len(bom):]
	}
	r.csv = csv.NewReader(br)
	r.csv.ReuseRecord = true
	r.csv.FieldsPerRecord = -1
	r.csv.LazyQuotes = true
	r.csv.Comma = sniffComma(prefix)
	var header []string
	for {
		rec, err := r.csv.Read()
		if err == io.EOF {
			return nil, ucx.FieldErrorf(ucx.EINVALID, ColVIN, "the input has no header row; the first row must name the columns, with at least vin")
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ucx.Error{Code: ucx.EINVALID, Message: "cannot read the header row as CSV: " + pe.Err.Error() + "; the first row must name the columns, with at least vin", Err: err}
			}
			return nil, err
		}
		if !allEmpty(rec) {
			header = rec
			break
		}
	}
	for _, h := range header {
		if !utf8.ValidString(h) || strings.IndexByte(h, 0) >= 0 {
			return nil, ucx.Errorf(ucx.EINVALID, "this does not look like a CSV file of UTF-8 text; give a CSV (UTF-8), XLSX or JSON Lines file")
		}
	}
	lay, err := newLayout(header)
	if err != nil {
		return nil, err
	}
	r.lay = lay
	r.row.lay = lay
	return r, nil
}

func sniffComma(prefix []byte) rune {
	line := prefix
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if bytes.IndexByte(line, ',') >= 0 {
		return ','
	}
	semi, tab := bytes.Count(line, []byte{';'}), bytes.Count(line, []byte{'\t'})
	switch {
	case semi > tab:
		return ';'
	case tab > 0:
		return '\t'
	}
	return ','
}

func (r *Reader) nextCSV() bool {
	row := &r.row
	for {
		rec, err := r.csv.Read()
		if err == io.EOF {
			return false
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				r.err = err
				return false
			}
			// A syntax error spoils this record only; encoding/csv goes on
			// with the next line.
			row.reset(false, false)
			row.parsed = true // no value of it can be trusted
			row.Line = pe.StartLine
			row.wholeProblem(CodeBadRow, ucx.Errorf(ucx.EINVALID, "cannot read this row as CSV (%s at line %d, column %d); put values that contain commas, quotes or line breaks in double quotes and double any quote inside them", pe.Err.Error(), pe.Line, pe.Column))
			return true
		}
		if allEmpty(rec) {
			continue
		}
		row.reset(false, false)
		row.Line, _ = r.csv.FieldPos(0)
		row.fields = rec
		if len(rec) > len(r.lay.names) && !allEmpty(rec[len(r.lay.names):]) {
			row.wholeProblem(CodeExtraValues, ucx.Errorf(ucx.EINVALID, "this row has %d values but the header names %d columns; put a value that contains a comma in double quotes", len(rec), len(r.lay.names)))
		}
		return true
	}
}

func allEmpty(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// newXLSX reads the header row of the workbook's first sheet.
func newXLSX(xf *excelize.File) (*Reader, error) {
	r := &Reader{format: XLSX, xl: xf}
	fail := func(err error) (*Reader, error) {
		xf.Close()
		return nil, err
	}
	sheets := xf.GetSheetList()
	if len(sheets) == 0 {
		return fail(ucx.Errorf(ucx.EINVALID, "the workbook has no sheet; put the vehicles on its first sheet"))
	}
	if props, err := xf.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		r.date1904 = *props.Date1904
	}
	rows, err := xf.Rows(sheets[0])
	if err != nil {
		return fail(workbookError(err))
	}
	r.xrows = rows
	r.closer = multiCloser{closerFunc(rows.Close), xf}
	var header []string
	for rows.Next() {
		r.xline++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			r.Close()
			return nil, workbookError(err)
		}
		if !allEmpty(cells) {
			header = cells
			break
		}
	}
	if header == nil {
		r.Close()
		return nil, ucx.FieldErrorf(ucx.EINVALID, ColVIN, "the first sheet %s is empty; its first row must name the columns, with at least vin", quoteValue(sheets[0]))
	}
	lay, err := newLayout(header)
	if err != nil {
		r.Close()
		return nil, err
	}
	r.lay = lay
	r.row.lay = lay
	return r, nil
}

func (r *Reader) nextXLSX() bool {
	for r.xrows.Next() {
		r.xline++
		cells, err := r.xrows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			r.err = workbookError(err)
			return false
		}
		if allEmpty(cells) {
			continue
		}
		row := &r.row
		row.reset(true, r.date1904)
		row.Line = r.xline
		row.fields = cells
		if len(cells) > len(r.lay.names) && !allEmpty(cells[len(r.lay.names):]) {
			row.wholeProblem(CodeExtraValues, ucx.Errorf(ucx.EINVALID, "this row has values beyond the last named column %s; give every column a header or clear the stray cells", quoteValue(r.lay.names[len(r.lay.names)-1])))
		}
		return true
	}
	if err := r.xrows.Error(); err != nil {
		r.err = workbookError(err)
	}
	return false
}

func workbookError(err error) error {
	return &ucx.Error{Code: ucx.EINVALID, Message: "cannot read the XLSX workbook (" + err.Error() + "); open it in Excel and save it again as .xlsx, or save the sheet as CSV UTF-8", Err: err}
}
