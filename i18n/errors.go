package i18n

import (
	"embed"

	"github.com/ucxdev/ucx"
)

// Errors is the catalogue of the services' error messages. Its key is the
// English format a service wrote (ucx.Errorf, ucx.FieldErrorf), so English
// needs no file and a new message is English until translated; zh must
// have every format the code writes (errors_test.go reads the source and
// fails on one it lacks).
var Errors = MustLoad(errorsFS, "errors")

//go:embed errors/*.json
var errorsFS embed.FS

// ErrorText says err's message in lang: its format (ucx.Errorf,
// ucx.FieldErrorf) translated, with the same arguments, when lang is not
// English and the catalogue has it; an argument that is itself such an
// error (a vehicle's error inside its shipment's) is translated too, or
// shown as its English message. ok is false when there is no translation;
// the caller then shows the English message (ucx.ErrorMessage), which
// names the field and the fix, rather than nothing.
func ErrorText(lang string, err error) (text string, ok bool) {
	format, args := ucx.ErrorFormat(err)
	if format == "" {
		return "", false
	}
	if lang == "en" {
		return ucx.ErrorMessage(err), true
	}
	if !Errors.Has(lang, format) {
		return "", false
	}
	out := args
	for i, a := range args {
		inner, isErr := a.(error)
		if !isErr {
			continue
		}
		if &out[0] == &args[0] {
			out = append([]any(nil), args...) // the error's own Args stay as they were
		}
		if t, ok := ErrorText(lang, inner); ok {
			out[i] = t
		} else {
			out[i] = ucx.ErrorMessage(inner)
		}
	}
	return Errors.Lookup(lang, format, out...)
}
