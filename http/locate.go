package http

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
)

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// locateField finds the dotted JSON path of the first thing in data that
// v's type refuses: a key with no matching field, or a value that the
// field's own UnmarshalText or UnmarshalJSON rejects (a date that is no
// date). It runs only on the error path, so a client can be told which
// input to fix even where encoding/json does not say. It reports false when
// it finds nothing.
func locateField(data []byte, v any) (string, bool) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return "", false
	}
	return walkField(doc, reflect.TypeOf(v), "")
}

func walkField(doc any, t reflect.Type, path string) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if doc == nil {
		return "", false // null is accepted by every type
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(textUnmarshalerType) || pt.Implements(jsonUnmarshalerType) {
		raw, err := json.Marshal(doc)
		if err != nil {
			return path, true
		}
		if json.Unmarshal(raw, reflect.New(t).Interface()) != nil {
			return path, true
		}
		return "", false
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := doc.(map[string]any)
		if !ok {
			return path, true
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				// encoding/json also matches keys case-insensitively.
				for name, typ := range fields {
					if strings.EqualFold(name, k) {
						ft, ok = typ, true
						break
					}
				}
			}
			if !ok {
				return joinPath(path, k), true
			}
			if p, bad := walkField(obj[k], ft, joinPath(path, k)); bad {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		arr, ok := doc.([]any)
		if !ok {
			return path, true
		}
		for _, e := range arr {
			if p, bad := walkField(e, t.Elem(), path); bad {
				return p, true
			}
		}
	}
	return "", false
}

// jsonFields maps the JSON names of t's fields to their types, flattening
// embedded structs as encoding/json does.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, dup := out[k]; !dup {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
