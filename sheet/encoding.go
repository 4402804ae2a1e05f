package sheet

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf8"

	"github.com/ucxdev/ucx"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Text files (CSV and JSON Lines) are read as UTF-8, which is what "CSV
// UTF-8" and every program write. Excel on a Chinese Windows saves "CSV"
// in the system's code page, GBK, which GB18030 contains; and its "Unicode
// Text" is UTF-16 with a byte-order mark. The reader tells them apart by
// the content: at the first byte that is not ASCII it looks at up to 64 KiB
// from there; valid UTF-8 is read as it is, text that is not UTF-8 but
// decodes as GB18030 without a replacement character is decoded, and
// anything else stops the reading with one error naming the line. From
// then on the choice holds: a later stray byte in a UTF-8 file is a problem
// of its row (not_utf8), a later byte that is not GB18030 in a GB18030
// file stops the reading, naming its line.

// Encodings the reader converts from.
const (
	EncodingUTF8    = "UTF-8"
	EncodingGB18030 = "GB18030"
	EncodingUTF16   = "UTF-16"
)

// decideWindow is how much text the reader looks at to choose an encoding.
const decideWindow = 64 << 10

var utf16LE, utf16BE = []byte{0xff, 0xfe}, []byte{0xfe, 0xff}

// decide chooses the encoding of text whose part before win was ASCII.
// bad is the offset in win of the first byte that is neither, or -1.
func decide(win []byte, atEOF bool) (enc string, bad int) {
	valid := win
	if !atEOF {
		// A rune cut by the end of the window is judged with the next.
		for i := 1; i <= utf8.UTFMax && i <= len(valid); i++ {
			if utf8.RuneStart(valid[len(valid)-i]) {
				if !utf8.FullRune(valid[len(valid)-i:]) {
					valid = valid[:len(valid)-i]
				}
				break
			}
		}
	}
	if utf8.Valid(valid) {
		return EncodingUTF8, -1
	}
	// Chinese in UTF-8 is mostly valid GB18030 too, so a UTF-8 file with
	// a stray cell pasted from elsewhere would decode as GB18030 into
	// nonsense: text with many more valid UTF-8 characters than bad bytes
	// stays UTF-8, and its bad cells are problems of their rows.
	if multi, bad := utf8Counts(valid); multi >= 8*bad {
		return EncodingUTF8, -1
	}
	if gbClean(win, atEOF) {
		return EncodingGB18030, -1
	}
	return "", badLine(valid)
}

// badLine returns the offset of the first line of b that is neither UTF-8
// nor GB18030, or of the first that is not GB18030 when each is one or the
// other.
func badLine(b []byte) int {
	notGB := -1
	for off := 0; off < len(b); {
		end := bytes.IndexByte(b[off:], '\n')
		if end < 0 {
			end = len(b)
		} else {
			end += off + 1
		}
		line := b[off:end]
		gb := gbClean(line, true)
		if !gb && !utf8.Valid(line) {
			return off
		}
		if !gb && notGB < 0 {
			notGB = off
		}
		off = end
	}
	return max(notGB, 0)
}

// gbClean reports whether b decodes as GB18030 with no byte left
// undecodable (a replacement character in the output).
func gbClean(b []byte, atEOF bool) bool {
	dst := make([]byte, 4*len(b)+4)
	n, _, err := simplifiedchinese.GB18030.NewDecoder().Transform(dst, b, atEOF)
	if err != nil && err != transform.ErrShortSrc {
		return false
	}
	return !bytes.Contains(dst[:n], replacement)
}

var replacement = []byte("\uFFFD")

// utf8Counts counts b's valid multi-byte UTF-8 characters and its bytes
// that are not UTF-8.
func utf8Counts(b []byte) (multi, bad int) {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			bad++
		case size > 1:
			multi++
		}
		i += size
	}
	return multi, bad
}

func encodingError(line int) error {
	return ucx.Errorf(ucx.EINVALID, "line %d is neither UTF-8 nor GB18030 (GBK) text; save the file from Excel as CSV UTF-8 (另存为 CSV UTF-8) and read it again", line)
}

// decoder is the text between the file and the CSV or JSON Lines reader.
// Until the first byte that is not ASCII it passes the bytes through; then
// it decides (decide) and either keeps passing them (UTF-8) or decodes
// them (GB18030), counting lines for its messages.
type decoder struct {
	src  *bufio.Reader
	enc  string    // "" while undecided
	gb   io.Reader // the GB18030 decoder over src, once chosen
	line int       // line breaks passed so far (undecided and GB18030)
	raw  int64     // bytes taken from src
	err  error
}

// Read implements io.Reader.
func (d *decoder) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	switch d.enc {
	case EncodingUTF8:
		n, err := d.src.Read(p)
		d.raw += int64(n)
		return n, err
	case EncodingGB18030:
		n, err := d.gb.Read(p)
		if i := bytes.Index(p[:n], replacement); i >= 0 {
			d.err = encodingError(d.line + bytes.Count(p[:i], []byte{'\n'}) + 1)
			n = bytes.LastIndexByte(p[:i], '\n') + 1 // the lines before it are good
		}
		d.line += bytes.Count(p[:n], []byte{'\n'})
		if d.err != nil {
			return n, nil
		}
		return n, err
	}
	// Undecided: pass the ASCII that is buffered, or decide at the first
	// other byte.
	buf, err := d.src.Peek(1)
	if len(buf) == 0 {
		return 0, err
	}
	buf, _ = d.src.Peek(d.src.Buffered())
	i := asciiPrefix(buf)
	if i == 0 {
		win, perr := d.src.Peek(min(decideWindow, d.src.Size()))
		enc, bad := decide(win, perr != nil)
		switch enc {
		case EncodingUTF8:
			d.enc = EncodingUTF8
		case EncodingGB18030:
			d.enc = EncodingGB18030
			d.gb = transform.NewReader(countReader{d}, simplifiedchinese.GB18030.NewDecoder())
		default:
			d.err = encodingError(d.line + bytes.Count(win[:bad], []byte{'\n'}) + 1)
			return 0, d.err
		}
		return d.Read(p)
	}
	n := copy(p, buf[:i])
	d.src.Discard(n)
	d.raw += int64(n)
	d.line += bytes.Count(p[:n], []byte{'\n'})
	return n, nil
}

// countReader reads src counting the bytes, for Reader.Offset.
type countReader struct{ d *decoder }

func (c countReader) Read(p []byte) (int, error) {
	n, err := c.d.src.Read(p)
	c.d.raw += int64(n)
	return n, err
}

// asciiPrefix returns the length of b's leading ASCII bytes.
func asciiPrefix(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if (uint64(b[i])|uint64(b[i+1])|uint64(b[i+2])|uint64(b[i+3])|uint64(b[i+4])|uint64(b[i+5])|uint64(b[i+6])|uint64(b[i+7]))&0x80 != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			break
		}
	}
	return i
}

// decodeText puts a decoder in front of a text file, when one is needed:
// a UTF-16 file (with its byte-order mark) is decoded; a file whose first
// decideWindow bytes decide it is read directly (UTF-8) or through the
// GB18030 decoder; otherwise (only ASCII so far) the decoder decides later.
// It returns the reader to read, the encoding converted from ("" for
// UTF-8 or not yet known) and the decoder, for the encoding chosen later
// and Offset.
func decodeText(br *bufio.Reader) (*bufio.Reader, *decoder, string, error) {
	prefix, err := br.Peek(min(decideWindow, br.Size()))
	atEOF := err != nil
	if bytes.HasPrefix(prefix, utf16LE) || bytes.HasPrefix(prefix, utf16BE) {
		u := transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
		return bufio.NewReaderSize(u, 64<<10), nil, EncodingUTF16, nil
	}
	i := asciiPrefix(prefix)
	if i == len(prefix) && atEOF {
		return br, nil, "", nil // all ASCII
	}
	d := &decoder{src: br}
	if i < len(prefix) {
		enc, bad := decide(prefix[i:], atEOF)
		switch enc {
		case EncodingUTF8:
			return br, nil, "", nil
		case "":
			return nil, nil, "", encodingError(bytes.Count(prefix[:i+bad], []byte{'\n'}) + 1)
		}
		d.enc = enc
		d.gb = transform.NewReader(countReader{d}, simplifiedchinese.GB18030.NewDecoder())
	}
	return bufio.NewReaderSize(d, 64<<10), d, d.enc, nil
}
