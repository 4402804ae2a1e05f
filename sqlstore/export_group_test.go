package sqlstore

import (
	"context"

	"github.com/ucxdev/ucx"
)

// FileTogether files the inputs as ONE group transaction, as the committer
// does with filings that queue together, so that a test knows which
// filings shared a transaction. ctxs[i], when not nil, is filing i's
// caller's context. It returns each filing's application and error.
func FileTogether(db *DB, p *ucx.Principal, ins []*ucx.ApplicationInput, keys []string, ctxs []context.Context) ([]*ucx.Application, []error) {
	apps, errs := make([]*ucx.Application, len(ins)), make([]error, len(ins))
	var batch []*groupJob
	var idx []int
	for i, in := range ins {
		f, err := db.prepareFiling(p, in, ucx.CreateOptions{IdempotencyKey: keys[i]})
		if err != nil {
			errs[i] = err
			continue
		}
		ctx := context.Background()
		if ctxs != nil && ctxs[i] != nil {
			ctx = ctxs[i]
		}
		i := i
		batch = append(batch, &groupJob{ctx: ctx, done: make(chan struct{}), fn: func(ctx context.Context, tx *Tx) error {
			var err error
			apps[i], _, err = db.file(ctx, tx, f)
			return err
		}})
		idx = append(idx, i)
	}
	db.group.commit(batch)
	for k, j := range batch {
		if j.err != nil {
			apps[idx[k]], errs[idx[k]] = nil, db.wrap("test.FileTogether", j.err)
		}
	}
	return apps, errs
}
