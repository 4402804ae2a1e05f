package ucx

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// The one rule for every text field of every operation: text is UTF-8 and
// holds no control character — no NUL (which PostgreSQL cannot store and
// SQLite would keep), no escape or bell, no C1 control, no DEL. A tab or a
// line break is allowed only where a text of several lines is meant (a
// refusal's explanation, evidence, a note, a PEM key); a name, a number or
// a code is one line. The API checks every string of every request body
// with CheckFields, the web UI every form value, and the store every string
// it writes, so both engines give the same answer and no caller can store
// what another could not read back.

// TextLines says whether a text may span lines (tab, CR and LF allowed).
type TextLines bool

// The two kinds of text.
const (
	OneLine   TextLines = false
	MultiLine TextLines = true
)

// CheckText refuses s when it is not UTF-8 or holds a control character
// (tab and line breaks only in MultiLine text), with an EINVALID error
// naming field and the position of the offending byte.
func CheckText(field, s string, lines TextLines) error {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return FieldErrorf(EINVALID, field, "%s is not valid UTF-8 text (byte %d); send it as UTF-8, not GBK or another encoding", field, i)
		case r == 0:
			return FieldErrorf(EINVALID, field, "%s contains a NUL character (U+0000) at byte %d; remove it", field, i)
		case r == '\t' || r == '\n' || r == '\r':
			if !lines {
				return FieldErrorf(EINVALID, field, "%s is one line of text: it may not contain a tab or a line break (byte %d)", field, i)
			}
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			return FieldErrorf(EINVALID, field, "%s contains the control character U+%04X at byte %d; remove it", field, r, i)
		}
		i += size
	}
	return nil
}

// CheckFields applies CheckText to every string v holds: the exported
// fields of structs (embedded ones flattened), the elements of slices,
// arrays and maps, map keys, through pointers and interfaces. Each string
// is named by its JSON path ("vehicle.brand", "outlets[1].address", the
// name in the field's json tag, else the Go name), so the error points at
// the input to fix. A string field is one line unless its struct tag says
// text:"multiline". Byte slices (json.RawMessage, say) are not text and
// are left alone; their own parsers judge them.
func CheckFields(v any) error {
	return checkValue(reflect.ValueOf(v), "", OneLine, 0)
}

// maxTextDepth bounds the walk; no request body nests this deep.
const maxTextDepth = 32

func checkValue(v reflect.Value, path string, lines TextLines, depth int) error {
	if depth > maxTextDepth || !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		return CheckText(pathName(path), v.String(), lines)
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkValue(v.Elem(), path, lines, depth+1)
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() && !f.Anonymous {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			fv := v.Field(i)
			if f.Anonymous && name == "" {
				if err := checkValue(fv, path, OneLine, depth+1); err != nil {
					return err
				}
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fl := TextLines(f.Tag.Get("text") == "multiline")
			if err := checkValue(fv, joinTextPath(path, name), fl, depth+1); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // bytes, not text
		}
		for i := 0; i < v.Len(); i++ {
			if err := checkValue(v.Index(i), fmt.Sprintf("%s[%d]", path, i), lines, depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			var name string
			switch {
			case k.Kind() == reflect.String:
				if err := CheckText(pathName(path), k.String(), OneLine); err != nil {
					return err // a key that is no text is named by its map
				}
				name = k.String()
			case k.CanInterface():
				name = fmt.Sprint(k.Interface())
			}
			if err := checkValue(iter.Value(), joinTextPath(path, name), lines, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// pathName is the name an error gives a value found at path.
func pathName(path string) string {
	if path == "" {
		return "the body"
	}
	return path
}

func joinTextPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
