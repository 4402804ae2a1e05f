package wire

import (
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/tlog"
)

// The transparency log's answers (log.go in package http).

// MaxLogEntries is the most entries GET /api/v1/log/entries returns at
// once, the store's own ceiling: a monitor pages through the log in
// ranges of this size.
const MaxLogEntries = 1000

// LogEntries is the body of GET /api/v1/log/entries.
type LogEntries struct {
	Entries []tlog.Entry `json:"entries"`
}

// LogInclusion is an inclusion proof as the log serves it and a bundle
// carries it; the type lives in the bundle package, which verifies it
// without the web server.
type LogInclusion = bundle.Inclusion

// LogConsistency is a consistency proof: the tree of From leaves is a
// prefix of the tree of To leaves. Checkpoint, when present, is the signed
// checkpoint of size To.
type LogConsistency struct {
	From       int64    `json:"from"`
	To         int64    `json:"to"`
	Hashes     [][]byte `json:"hashes"`
	Checkpoint string   `json:"checkpoint,omitempty"`
}
