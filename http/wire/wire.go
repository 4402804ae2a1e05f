// Package wire holds the REST API's JSON bodies that both its server
// (package http) and its Go client (package http/client) read and write,
// and the one table from ucx error codes to HTTP statuses, so the two
// sides agree by construction and the client needs nothing of the server.
// Bodies only the server reads stay beside their handlers in http.
//
// Every error has one shape, {"error": {"code", "message", "field"}}
// (ErrorResponse), and one HTTP status, taken from the table below.
package wire

import (
	"net/http"

	"github.com/ucxdev/ucx"
)

// Media types of bulk-import uploads (POST /api/v1/imports).
const (
	ContentTypeCSV  = "text/csv"
	ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// codes is the one table from ucx error codes to HTTP statuses. Handlers
// never choose a status for an error themselves; they return the ucx error
// and the server's Error looks the status up here, so an error code always means the
// same status everywhere.
var codes = map[string]int{
	ucx.EINVALID:      http.StatusBadRequest,
	ucx.EUNAUTHORIZED: http.StatusUnauthorized,
	ucx.EFORBIDDEN:    http.StatusForbidden,
	ucx.ENOTFOUND:     http.StatusNotFound,
	ucx.ECONFLICT:     http.StatusConflict,
	ucx.ERULE:         http.StatusUnprocessableEntity,
	ucx.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	ucx.ERATELIMIT:    http.StatusTooManyRequests,
	ucx.EUNAVAILABLE:  http.StatusServiceUnavailable,
	ucx.EINTERNAL:     http.StatusInternalServerError,
	// R2: the operator binds the manufacturer; until then it may not
	// confirm, as a forbidden act, but with a code of its own.
	ucx.EUNREGISTERED: http.StatusForbidden,
}

// ErrorStatusCode returns the HTTP status for a ucx error code; an unknown
// code is a bug and answers 500.
func ErrorStatusCode(code string) int {
	if s, ok := codes[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// FromErrorStatusCode is the reverse of ErrorStatusCode. The client uses it
// when a response carries no error body it can read (a proxy's page, say),
// so callers still get a code they can switch on.
func FromErrorStatusCode(status int) string {
	for code, s := range codes {
		if s == status && code != ucx.EUNREGISTERED { // 403 reads as forbidden
			return code
		}
	}
	if status >= 500 {
		return ucx.EINTERNAL
	}
	return ucx.EINVALID
}

// ErrorResponse is the body of every error answer.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody is what a client may know of an error: a stable code to switch
// on, a message for people, and the offending input field when there is one.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// ListResponse is the shape of every list answer: one page of items, the
// total that matched the filter, and the page asked for.
type ListResponse[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// HealthResponse is the body of GET /healthz.
type HealthResponse struct {
	Status string `json:"status"` // "ok" or "unavailable"
}

// IdempotencyHeader names the header that makes POST /api/v1/applications
// safe to retry: the same key from the same organisation returns the first
// request's application (200) instead of filing it twice (201).
const IdempotencyHeader = "Idempotency-Key"
