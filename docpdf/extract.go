package docpdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
)

// BundleName is the name of the embedded file that holds the verification
// bundle.
const BundleName = "ucx-bundle.json"

// MaxBundleBytes bounds the embedded bundle Bundle will inflate, so that a
// small crafted PDF cannot expand into gigabytes.
const MaxBundleBytes = 8 << 20

// ErrNoBundle is returned for a PDF without an embedded ucx-bundle.json.
var ErrNoBundle = errors.New("the PDF has no embedded " + BundleName + ": it is not a ucx document, or its attachment was removed")

// IsPDF reports whether b starts like a PDF file.
func IsPDF(b []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(b[:min(len(b), 1024)], "\x00\t\n\f\r "), []byte("%PDF-"))
}

// Bundle returns the verification bundle embedded in a PDF made by Render:
// the bytes of the file attachment named ucx-bundle.json. It reads the
// objects of the file directly (not through a general PDF library), the
// same way for every PDF, and is fuzzed: any input gives bytes or an
// error, never a panic, and never more than MaxBundleBytes. A PDF saved
// again by another tool with compressed object streams is not read; the
// error says so rather than guessing. What the bytes are worth is for the
// verifier to decide: this only finds them.
func Bundle(pdf []byte) ([]byte, error) {
	if !IsPDF(pdf) {
		return nil, errors.New("not a PDF file (it does not start with %PDF-)")
	}
	objs := scanObjects(pdf)
	var found []byte
	var lastErr error
	for _, num := range objs.order {
		body := objs.body[num]
		if !bytes.Contains(body, []byte("/Filespec")) {
			continue
		}
		name, ok := dictString(body, "/UF")
		if !ok {
			name, ok = dictString(body, "/F")
		}
		if !ok || name != BundleName {
			continue
		}
		ref, ok := efRef(body)
		if !ok {
			lastErr = errors.New("the PDF's " + BundleName + " entry names no embedded file stream")
			continue
		}
		data, err := objs.stream(ref)
		if err != nil {
			lastErr = err
			continue
		}
		found = data
	}
	if found != nil {
		return found, nil
	}
	if lastErr != nil {
		return nil, lastErr
	}
	if bytes.Contains(pdf, []byte("/ObjStm")) {
		return nil, errors.New("the PDF keeps its objects in compressed object streams (it was saved again by another program); verify the original PDF or its bundle")
	}
	return nil, ErrNoBundle
}

// objects are a PDF's indirect objects by number: the last definition
// wins, as in an incrementally updated file.
type objects struct {
	body  map[int][]byte // from after "obj" to "endobj"
	order []int
}

func scanObjects(b []byte) *objects {
	o := &objects{body: map[int][]byte{}}
	for i := 0; i < len(b); {
		j := bytes.Index(b[i:], []byte(" obj"))
		if j < 0 {
			break
		}
		at := i + j
		i = at + 4
		num, ok := objectNumber(b, at)
		if !ok {
			continue
		}
		end := bytes.Index(b[i:], []byte("endobj"))
		if end < 0 {
			end = len(b) - i
		}
		if _, seen := o.body[num]; !seen {
			o.order = append(o.order, num)
		}
		o.body[num] = b[i : i+end]
		i += end
	}
	return o
}

// objectNumber reads "N G" just before position at (where " obj" starts).
func objectNumber(b []byte, at int) (int, bool) {
	k := at
	for k > 0 && b[k-1] >= '0' && b[k-1] <= '9' {
		k--
	}
	if k == at || k == 0 || b[k-1] != ' ' {
		return 0, false
	}
	n := k - 1
	for n > 0 && b[n-1] >= '0' && b[n-1] <= '9' {
		n--
	}
	if n == k-1 || n > 0 && !isSpace(b[n-1]) {
		return 0, false
	}
	num, err := strconv.Atoi(string(b[n : k-1]))
	if err != nil || num <= 0 || num > 1<<24 {
		return 0, false
	}
	return num, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

// stream returns the decoded data of stream object num.
func (o *objects) stream(num int) ([]byte, error) {
	body, ok := o.body[num]
	if !ok {
		return nil, fmt.Errorf("the PDF's embedded file (object %d) is missing", num)
	}
	s := bytes.Index(body, []byte("stream"))
	if s < 0 {
		return nil, fmt.Errorf("the PDF's embedded file (object %d) is not a stream", num)
	}
	dict := body[:s]
	data := body[s+len("stream"):]
	if bytes.HasPrefix(data, []byte("\r\n")) {
		data = data[2:]
	} else if bytes.HasPrefix(data, []byte("\n")) {
		data = data[1:]
	}
	if n, ok := dictInt(dict, "/Length"); ok && n >= 0 && n <= len(data) {
		data = data[:n]
	} else if e := bytes.LastIndex(data, []byte("endstream")); e >= 0 {
		data = bytes.TrimRight(data[:e], "\r\n")
	}
	if !bytes.Contains(dict, []byte("/FlateDecode")) {
		if bytes.Contains(dict, []byte("/Filter")) {
			return nil, errors.New("the PDF's embedded bundle uses a compression other than Flate")
		}
		if len(data) > MaxBundleBytes {
			return nil, errors.New("the PDF's embedded bundle is larger than 8 MiB")
		}
		return append([]byte(nil), data...), nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("the PDF's embedded bundle cannot be decompressed: %v", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxBundleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("the PDF's embedded bundle cannot be decompressed: %v", err)
	}
	if len(out) > MaxBundleBytes {
		return nil, errors.New("the PDF's embedded bundle is larger than 8 MiB")
	}
	return out, nil
}

// dictInt reads "/Key 123" (a direct integer).
func dictInt(d []byte, key string) (int, bool) {
	i := indexKey(d, key)
	if i < 0 {
		return 0, false
	}
	rest := bytes.TrimLeft(d[i+len(key):], " \r\n\t")
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' && n < 10 {
		n++
	}
	if n == 0 {
		return 0, false
	}
	// "12 0 R" is a reference, not a length.
	if r := bytes.TrimLeft(rest[n:], " "); bytes.HasPrefix(r, []byte("0 R")) {
		return 0, false
	}
	v, err := strconv.Atoi(string(rest[:n]))
	return v, err == nil
}

// indexKey finds key as a whole name (so /F does not match /Filter).
func indexKey(d []byte, key string) int {
	for off := 0; ; {
		i := bytes.Index(d[off:], []byte(key))
		if i < 0 {
			return -1
		}
		i += off
		end := i + len(key)
		if end >= len(d) || !isNameChar(d[end]) {
			return i
		}
		off = end
	}
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '#' || c == '.' || c == '_' || c == '-'
}

// efRef reads "/EF << /F N 0 R >>".
func efRef(d []byte) (int, bool) {
	i := indexKey(d, "/EF")
	if i < 0 {
		return 0, false
	}
	rest := d[i+3:]
	j := indexKey(rest, "/F")
	if j < 0 {
		return 0, false
	}
	rest = bytes.TrimLeft(rest[j+2:], " \r\n\t")
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' && n < 9 {
		n++
	}
	if n == 0 {
		return 0, false
	}
	v, err := strconv.Atoi(string(rest[:n]))
	return v, err == nil && v > 0
}

// dictString reads "/Key (literal)" or "/Key <hex>" as text: PDF escapes
// undone, UTF-16BE with its byte-order mark decoded.
func dictString(d []byte, key string) (string, bool) {
	i := indexKey(d, key)
	if i < 0 {
		return "", false
	}
	rest := bytes.TrimLeft(d[i+len(key):], " \r\n\t")
	var raw []byte
	switch {
	case len(rest) > 0 && rest[0] == '(':
		var ok bool
		if raw, ok = literal(rest); !ok {
			return "", false
		}
	case len(rest) > 0 && rest[0] == '<' && (len(rest) < 2 || rest[1] != '<'):
		e := bytes.IndexByte(rest, '>')
		if e < 0 {
			return "", false
		}
		raw = unhex(rest[1:e])
	default:
		return "", false
	}
	if len(raw) >= 2 && raw[0] == 0xFE && raw[1] == 0xFF {
		u := make([]uint16, 0, len(raw)/2)
		for k := 2; k+1 < len(raw); k += 2 {
			u = append(u, uint16(raw[k])<<8|uint16(raw[k+1]))
		}
		return string(utf16.Decode(u)), true
	}
	return string(raw), true
}

// literal decodes a PDF literal string starting at b[0] == '('.
func literal(b []byte) ([]byte, bool) {
	var out []byte
	depth := 0
	for i := 0; i < len(b) && len(out) < 4096; i++ {
		c := b[i]
		switch {
		case c == '\\' && i+1 < len(b):
			i++
			switch e := b[i]; e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\r', '\n':
				// a line continuation
			default:
				if e >= '0' && e <= '7' {
					v, k := 0, 0
					for ; k < 3 && i+k < len(b) && b[i+k] >= '0' && b[i+k] <= '7'; k++ {
						v = v*8 + int(b[i+k]-'0')
					}
					i += k - 1
					out = append(out, byte(v))
				} else {
					out = append(out, e)
				}
			}
		case c == '(':
			if depth > 0 {
				out = append(out, c)
			}
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return out, true
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return nil, false
}

func unhex(h []byte) []byte {
	var out []byte
	var hi byte
	half := false
	for _, c := range h {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			continue
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out
}
