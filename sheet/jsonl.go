package sheet

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/ucxdev/ucx"
)

// JSON Lines: one object per line, its keys being the column names. Values
// may be strings, numbers, true/false or null (empty); an array of scalars
// (banned_cases) is read as its elements joined by ";". A line that is not a
// JSON object makes its row invalid and the reader goes on.

// maxLine bounds one JSON line; a longer one is a row problem, not a reason
// to hold the whole input in memory.
const maxLine = 1 << 20

// probeLines is how many lines the reader looks at for the first object.
const probeLines = 100

type jsonLine struct {
	line    int
	text    []byte
	tooLong bool
}

type jsonReader struct {
	eof     bool
	tooLong bool
	keys    []string
	vals    []string
	bad     []string // keys whose value was an object
	fields  []string
	names   map[string]string // key → column name (columnName), for keys seen
	unknown []string          // keys no column of the table has
}

// name resolves a key to its column name, remembering the answer and any
// key the table does not know.
func (js *jsonReader) name(k string) string {
	if n, ok := js.names[k]; ok {
		return n
	}
	n, known := columnName(k)
	if js.names == nil {
		js.names = map[string]string{}
	}
	if len(js.names) < 1000 {
		js.names[k] = n
		if !known && n != "" {
			js.unknown = append(js.unknown, k)
		}
	}
	return n
}

// newJSONL reads ahead to the first line that is a JSON object, so that a
// file with no vin key at all is refused before any row is returned; the
// lines read ahead are returned by Next as usual.
func newJSONL(br *bufio.Reader) (*Reader, error) {
	r := &Reader{format: JSONL, jl: br, lay: emptyLayout(), js: &jsonReader{}}
	if p, _ := br.Peek(len(bom)); bytes.Equal(p, bom) {
		br.Discard(len(bom))
		r.joff = int64(len(bom))
	}
	found := false
	for len(r.pending) < probeLines {
		line, ok := r.readLine()
		if !ok {
			break
		}
		r.pending = append(r.pending, jsonLine{line: r.jline, text: bytes.Clone(line), tooLong: r.js.tooLong})
		if r.js.tooLong {
			continue
		}
		if keys, _, _, err := decodeObject(line, nil, nil, nil); err == nil {
			for _, k := range keys {
				r.addColumn(r.js.name(k))
			}
			found = true
			break
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if !found {
		return nil, ucx.Errorf(ucx.EINVALID, "this does not look like JSON Lines: none of the first %d lines is a JSON object; write one object per line, e.g. %s", len(r.pending), `{"vin": "LGXC74C46R0123456", "registration_date": "2026-01-31"}`)
	}
	if r.lay.known[fVIN] < 0 {
		return nil, missingVIN(r.lay.names)
	}
	r.row.lay = r.lay
	return r, nil
}

func (r *Reader) addColumn(name string) int {
	if i, ok := r.lay.index[name]; ok {
		return i
	}
	r.lay = r.lay.with(name)
	return len(r.lay.names) - 1
}

// readLine returns the next non-blank line, without its line break. The
// slice is valid until the next call.
func (r *Reader) readLine() ([]byte, bool) {
	js := r.js
	for !js.eof {
		r.jbuf = r.jbuf[:0]
		js.tooLong = false
		for {
			chunk, err := r.jl.ReadSlice('\n')
			r.joff += int64(len(chunk))
			if len(r.jbuf)+len(chunk) <= maxLine {
				r.jbuf = append(r.jbuf, chunk...)
			} else {
				js.tooLong = true
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err == io.EOF {
				js.eof = true
			} else if err != nil {
				r.err = err
				return nil, false
			}
			break
		}
		if len(r.jbuf) == 0 && js.eof {
			break
		}
		r.jline++
		if js.tooLong || len(bytes.TrimSpace(r.jbuf)) > 0 {
			return bytes.TrimRight(r.jbuf, "\r\n"), true
		}
	}
	return nil, false
}

func (r *Reader) nextJSONL() bool {
	js := r.js
	var (
		line    []byte
		lineNo  int
		tooLong bool
	)
	if len(r.pending) > 0 {
		p := r.pending[0]
		r.pending = r.pending[1:]
		line, lineNo, tooLong = p.text, p.line, p.tooLong
	} else {
		var ok bool
		if line, ok = r.readLine(); !ok {
			return false
		}
		lineNo, tooLong = r.jline, js.tooLong
	}
	row := &r.row
	row.reset(false, false)
	row.Line = lineNo
	row.lay = r.lay
	if tooLong {
		row.parsed = true // no value of it can be trusted
		row.wholeProblem(CodeBadRow, ucx.Errorf(ucx.EINVALID, "this line is longer than 1 MiB; write one vehicle per line"))
		return true
	}
	var err error
	js.keys, js.vals, js.bad, err = decodeObject(line, js.keys[:0], js.vals[:0], js.bad[:0])
	if err != nil {
		row.parsed = true
		row.wholeProblem(CodeBadRow, ucx.Errorf(ucx.EINVALID, "this line is not a JSON object (%s); write one object per line, e.g. %s", err.Error(), `{"vin": "LGXC74C46R0123456", "registration_date": "2026-01-31"}`))
		return true
	}
	for i, k := range js.keys {
		js.keys[i] = js.name(k)
		r.addColumn(js.keys[i])
	}
	row.lay = r.lay
	js.fields = js.fields[:0]
	for range r.lay.names {
		js.fields = append(js.fields, "")
	}
	for i, k := range js.keys {
		js.fields[r.lay.index[k]] = js.vals[i]
	}
	row.fields = js.fields
	for _, k := range js.bad {
		err := ucx.Errorf(ucx.EINVALID, "the value is a JSON object; give a string, a number, true/false or null")
		row.Problems = append(row.Problems, ucx.Reason{Rule: RuleInput, Code: CodeBadValue, Severity: ucx.Reject, Field: js.name(k),
			Message: err.Message, MessageZH: chinese(err)})
	}
	return true
}

// decodeObject reads one JSON object into parallel key and value lists
// (values as text), appending to keys, vals and bad (the keys whose value is
// an object or holds one). It keeps the keys' order, which encoding/json's
// maps would lose.
func decodeObject(line []byte, keys, vals, bad []string) ([]string, []string, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return keys, vals, bad, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return keys, vals, bad, errors.New("it does not start with {")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys, vals, bad, err
		}
		key, _ := t.(string)
		val, ok, err := readValue(dec)
		if err != nil {
			return keys, vals, bad, err
		}
		if !ok {
			bad = append(bad, key)
		}
		keys = append(keys, key)
		vals = append(vals, val)
	}
	if _, err := dec.Token(); err != nil { // the closing }
		return keys, vals, bad, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return keys, vals, bad, errors.New("there is more after the object's closing }")
	}
	return keys, vals, bad, nil
}

// readValue reads one value as text. ok is false for an object, or an array
// holding one, which no column can take.
func readValue(dec *json.Decoder) (string, bool, error) {
	t, err := dec.Token()
	if err != nil {
		return "", false, err
	}
	switch v := t.(type) {
	case json.Delim:
		if v == '{' {
			return "", false, skip(dec)
		}
		var parts []string
		ok := true
		for dec.More() {
			s, sok, err := readValue(dec)
			if err != nil {
				return "", false, err
			}
			ok = ok && sok
			parts = append(parts, s)
		}
		if _, err := dec.Token(); err != nil { // the closing ]
			return "", false, err
		}
		return strings.Join(parts, ";"), ok, nil
	default:
		return scalar(t), true, nil
	}
}

func scalar(t json.Token) string {
	switch v := t.(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return "" // null
}

// skip consumes the rest of an object or array whose opening token has been
// read.
func skip(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}
