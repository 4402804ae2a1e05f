package http

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/ucxdev/ucx"
)

// checkBodyText applies ucx's one text rule to a decoded body: first to
// the raw bytes, since encoding/json quietly turns bytes that are not UTF-8
// and lone \ud800-style escapes into U+FFFD, then to every string of v
// (ucx.CheckFields), which names NULs and other control characters by the
// field's JSON path. Handlers need list no fields: whatever a body holds
// is text that passes, or a 400 naming where it does not.
func checkBodyText(data []byte, v any) error {
	if err := rawText(data); err != nil {
		return err
	}
	return ucx.CheckFields(v)
}

// rawText finds the first JSON string of data whose bytes are not UTF-8 or
// that escapes half a surrogate pair, and names it by its path.
func rawText(data []byte) error {
	if utf8.Valid(data) && !bytes.Contains(data, []byte(`\u`)) {
		return nil // the common case: nothing encoding/json would replace
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object bool
		key    string
		index  int
		isKey  bool // an object expecting a key next
	}
	var stack []frame
	path := func() string {
		p := ""
		for _, f := range stack {
			if f.object {
				p = joinPath(p, f.key)
			} else {
				p += "[" + strconv.Itoa(f.index) + "]"
			}
		}
		return p
	}
	// done moves past a value just read in its container.
	done := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].isKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the decoder reported any syntax error already
		}
		end := dec.InputOffset()
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, isKey: true})
			case '[':
				stack = append(stack, frame{index: 0})
			default:
				stack = stack[:len(stack)-1]
				done()
			}
		case string:
			if !goodJSONString(data[start:end]) {
				return textError(path())
			}
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].isKey {
				stack[n-1].key, stack[n-1].isKey = t, false
				continue
			}
			done()
		default:
			done()
		}
	}
}

func textError(path string) error {
	if path == "" {
		return ucx.Errorf(ucx.EINVALID, "the body holds text that is not valid UTF-8; send it as UTF-8")
	}
	return ucx.FieldErrorf(ucx.EINVALID, path, "%s is not valid UTF-8 text; send it as UTF-8, not GBK or another encoding, and escape no half of a surrogate pair", path)
}

// goodJSONString reports whether the raw JSON string literal in b (with
// whatever white space or separator precedes it) is UTF-8 and escapes only
// whole surrogate pairs.
func goodJSONString(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] != 'u' {
			i++ // \" \\ \n …
			continue
		}
		r, ok := hex4(b, i+2)
		if !ok {
			continue
		}
		i += 5
		switch {
		case r >= 0xd800 && r < 0xdc00: // a high surrogate needs a low one next
			if i+2 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
				if lo, ok := hex4(b, i+3); ok && lo >= 0xdc00 && lo < 0xe000 {
					i += 6
					continue
				}
			}
			return false
		case r >= 0xdc00 && r < 0xe000:
			return false
		}
	}
	return true
}

// hex4 reads four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	return rune(n), err == nil
}
