package sqlstore

import "github.com/ucxdev/ucx"

// SetImportTestHooks sets the import batch size and a function run after
// each batch commits (see testImportBatch, afterImportBatch), for tests
// that stop a worker part-way; the returned function restores them.
func SetImportTestHooks(batch int, after func(*ucx.Import)) (restore func()) {
	b, a := testImportBatch, afterImportBatch
	testImportBatch, afterImportBatch = batch, after
	return func() { testImportBatch, afterImportBatch = b, a }
}
