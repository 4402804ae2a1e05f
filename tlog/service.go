package tlog

import "context"

// LogService is the transparency log as a server serves it from its store
// (sqlstore implements it; the API serves it). It is declared here, not
// in the root package, because its checkpoints are this package's
// SignedCheckpoint. The log's public key is the server's configuration,
// not the store's, so it is not asked of the service.
type LogService interface {
	// LatestCheckpoint returns the newest signed checkpoint (ENOTFOUND
	// before the first integration).
	LatestCheckpoint(ctx context.Context) (SignedCheckpoint, error)
	// InclusionProof proves leaf index in the tree of size leaves; a size
	// beyond the latest checkpoint is ENOTFOUND.
	InclusionProof(ctx context.Context, index, size int64) ([][]byte, error)
	// LogLeafIndex finds the first leaf with the hash (ENOTFOUND if none).
	LogLeafIndex(ctx context.Context, leafHash []byte) (int64, error)
	// ConsistencyProof proves the tree of size1 a prefix of that of size2.
	ConsistencyProof(ctx context.Context, size1, size2 int64) ([][]byte, error)
	// LogEntries returns the integrated entries with indices in
	// [start, end), at most the store's page of them, and only those the
	// latest checkpoint covers.
	LogEntries(ctx context.Context, start, end int64) ([]Entry, error)
}
