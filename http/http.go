// Package http is ucx's REST API (/api/v1, JSON) and its server: routing,
// authentication, instrumentation and metrics, rate limits. The server
// mounts the web UI, package http/html (web.go), which never imports this
// package: it gets the services and what only the server has as fields.
// The Go client that speaks the API is package http/client, which needs
// nothing of this package: the bodies both sides read, and the request
// readers the API and the UI share, are in package http/wire. It imports
// net/http directly and is named after it, as wtf's
// http package is: cmd/ucx sets the Server's service fields to the real
// store and never needs to know how requests are routed.
//
// Every handler is thin: it decodes the request strictly, calls one method
// of a root service interface with the caller's principal, and encodes the
// answer. Validation, permissions and the workflow live once, below HTTP, so
// the CLI (through client.Client), the web UI and the API all get the same answers.
//
// Every error has one shape, {"error": {"code", "message", "field"}}, and
// one HTTP status, taken from the single table in package wire
// (wire.ErrorStatusCode). Internal details are logged, never sent.
package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/i18n"
)

// Error writes err in the one error shape (wire.ErrorResponse) with the
// status from wire's codes table. Internal errors are logged in full with the request's route, and
// the client reads only "Internal error.".
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := ucx.ErrorCode(err)
	status := wire.ErrorStatusCode(code)
	if info := infoFrom(r.Context()); info != nil {
		info.err = err
	}
	switch code {
	case ucx.EINTERNAL:
		s.logger().ErrorContext(r.Context(), "internal error", "method", r.Method, "route", r.Pattern, "err", err.Error())
	case ucx.EUNAVAILABLE:
		s.logger().WarnContext(r.Context(), "unavailable", "method", r.Method, "route", r.Pattern, "err", err.Error())
	}
	if code == ucx.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ucx"`)
	}
	if d := ucx.RetryAfter(err); code == ucx.ERATELIMIT && d > 0 && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", itoa(int(math.Ceil(d.Seconds()))))
	}
	writeJSON(w, status, wire.ErrorResponse{Error: wire.ErrorBody{
		Code:    code,
		Message: errorMessage(w, r, err),
		Field:   ucx.ErrorField(err),
	}})
}

// errorMessage is err's message for the client: in Chinese when the
// request's Accept-Language puts Chinese first and the error catalogue
// has the message (Content-Language then says so), else in English. The
// code and field are the same in every language; scripts match on them.
func errorMessage(w http.ResponseWriter, r *http.Request, err error) string {
	first, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	first, _, _ = strings.Cut(strings.TrimSpace(first), ";")
	if lang, _, _ := strings.Cut(strings.ToLower(first), "-"); lang == "zh" {
		if msg, ok := i18n.ErrorText("zh", err); ok {
			w.Header().Set("Content-Language", "zh")
			return msg
		}
	}
	return ucx.ErrorMessage(err)
}

// writeJSON writes v as the JSON body with status. The status is sent
// before the body, so a failure while encoding (the client went away, or a
// value encoding/json cannot encode: a programming error) can no longer
// change the answer; it is logged with slog's default logger, since this
// function has no Server to ask for its own.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.Default().Warn("writing a JSON response failed", "status", status, "err", err)
	}
}

// readBody reads the whole body, up to limit bytes. Larger bodies are
// ETOOLARGE (413), so a client that sends a gigabyte learns the limit
// instead of exhausting the server.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, limit)
	data, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, ucx.Errorf(ucx.ETOOLARGE, "the request body is larger than %d bytes", mbe.Limit)
		}
		return nil, &ucx.Error{Code: ucx.EINVALID, Message: "the request body could not be read", Err: err}
	}
	return data, nil
}

// decodeJSON reads the body into v strictly: unknown fields, wrong types,
// trailing data and bodies over the limit are refused with a 4xx error that
// names the field, never a 500. An empty body is refused unless optional.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	data, err := readBody(w, r, s.maxBody())
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		if optional {
			return nil
		}
		return ucx.Errorf(ucx.EINVALID, "a JSON body is required")
	}
	return decodeStrict(data, v)
}

// decodeStrict unmarshals data into v, refusing unknown fields and trailing
// data, and turns encoding/json's errors into ucx errors naming the field.
// Every string the body holds must then pass ucx's one text rule
// (checkBodyText): UTF-8, no NUL or other control character.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(data, v, err)
	}
	// Only white space may follow the value. The rest of the body is at
	// hand, so it is looked at directly: asking dec.Token would first copy
	// it into a grown buffer.
	if !jsonSpace(data[dec.InputOffset():]) {
		return ucx.Errorf(ucx.EINVALID, "the body holds more than one JSON value")
	}
	return checkBodyText(data, v)
}

// jsonSpace reports whether b is only JSON's white space.
func jsonSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// jsonError explains a decoding failure in the API's terms. encoding/json
// reports wrong types with the field's path, but an unknown field only in
// its message text and a value refused by a type's UnmarshalText (a date, an
// outcome) with no field at all; for those, locateField walks the document
// against v's type to find the path.
func jsonError(data []byte, v any, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var ue *ucx.Error
	switch {
	case errors.As(err, &syn):
		return ucx.Errorf(ucx.EINVALID, "the body is not valid JSON (at byte %d): %s", syn.Offset, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ucx.Errorf(ucx.EINVALID, "the body is not valid JSON: it ends too early")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return ucx.Errorf(ucx.EINVALID, "the body must be a JSON object, not %s", typ.Value)
		}
		return ucx.FieldErrorf(ucx.EINVALID, field, "%s must be %s, not %s", field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &ue):
		field := ue.Field
		if field == "" {
			field, _ = locateField(data, v)
		}
		return &ucx.Error{Code: ucx.EINVALID, Field: field, Message: ue.Message, Format: ue.Format, Args: ue.Args, Err: err}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json (v1) has no typed error for this; the prefix is
		// its documented wording since Go 1.10.
		field, _ := locateField(data, v)
		if field == "" {
			field, _ = strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return ucx.FieldErrorf(ucx.EINVALID, field, "unknown field %q; check its spelling against the API description", field)
	}
	field, _ := locateField(data, v)
	return &ucx.Error{Code: ucx.EINVALID, Field: field, Message: "the body could not be read as JSON: " + err.Error(), Err: err}
}

// jsonKind names a Go kind as JSON users know it.
func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "an integer"
	case strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "slice", kind == "array":
		return "an array"
	case kind == "struct", kind == "map":
		return "an object"
	}
	return "of another type"
}

// logger returns the configured logger, or slog's default.
func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}
