package ucx

import "context"

// DocumentLogService knows the transparency-log leaf of each stored
// document (sqlstore implements it). A verification bundle and the
// log-proof route need it besides the log itself (tlog.LogService); a log
// without it serves bundles without log evidence.
type DocumentLogService interface {
	// DocumentLeaf returns the leaf index and entry of a stored document,
	// ENOTFOUND when it has none.
	DocumentLeaf(ctx context.Context, digest string) (int64, []byte, error)
}
