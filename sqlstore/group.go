package sqlstore

import (
	"context"
	"database/sql"
	"runtime"
	"sync"
	"time"

	"github.com/ucxdev/ucx"
)

// Group commit.
//
// A filing writes two small rows, and on SQLite most of its cost is the
// COMMIT (writing the changed pages to the WAL), all of it behind the one
// writer; on PostgreSQL it is the commit's fsync. So concurrent filings are
// handed to a committer that runs those waiting, up to maxGroup, in ONE
// transaction, each in a savepoint of its own: one that fails (a VIN
// already live, a reused idempotency key) is rolled back alone and its
// caller gets its error, while the others commit. A caller returns only
// after the COMMIT holding its row succeeded, so an acknowledged filing is
// exactly as durable as before. There is no waiting for company: a
// committer takes what is queued when it is free, and a lone caller
// commits alone.

// maxGroup bounds one group transaction: enough to spread a commit over
// many filings, few enough that the write lock is held for a few
// milliseconds, so other writers and the last caller in the group are not
// kept waiting long.
const maxGroup = 128

// groupJob is one caller's change waiting for, or run by, a committer.
type groupJob struct {
	// ctx is the caller's context: a job whose caller gave up before its
	// turn is skipped. It is not used for the statements, which run under
	// the committer's context: the transaction is shared, and given a
	// cancellable context mattn/go-sqlite3 runs every statement in a
	// goroutine of its own.
	ctx  context.Context
	fn   func(ctx context.Context, tx *Tx) error
	err  error
	done chan struct{} // closed once the job's transaction ended
}

// groupCommitter runs grouped changes (see grouped).
type groupCommitter struct {
	db *DB
	// jobs is unbuffered: a job is either taken by a committer or still
	// its caller's, so none is stranded when the store closes.
	jobs     chan *groupJob
	quit     chan struct{}
	stopOnce sync.Once
}

// startGroupCommit starts the committers: one on SQLite, whose writes
// are serial anyway; on PostgreSQL a few, so that one group is built and
// run while another waits for its fsync.
func (db *DB) startGroupCommit() {
	g := &groupCommitter{db: db, jobs: make(chan *groupJob), quit: make(chan struct{})}
	n := 1
	if db.engine == Postgres {
		n = 4
	}
	for range n {
		go g.loop()
	}
	db.group = g
}

// errClosed answers a change asked of a closed store.
var errClosed = &ucx.Error{Code: ucx.EUNAVAILABLE, Message: "the store is closed"}

// grouped runs fn in a group transaction (in its own savepoint) and
// returns fn's error, or the transaction's if it could not commit; nil
// means fn's changes are committed. fn runs in the committer's goroutine,
// after changes queued before it, with the transaction's instant shared by
// the whole group; it must do only SQL, its caller the rest, and it may be
// run again if the group transaction is retried.
func (db *DB) grouped(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	j := &groupJob{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case db.group.jobs <- j:
	case <-db.group.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	<-j.done
	return j.err
}

// stop ends the committers once their groups are done; later changes get
// errClosed.
func (g *groupCommitter) stop() { g.stopOnce.Do(func() { close(g.quit) }) }

// loop takes a job, then whatever else is already waiting, and commits
// them together, until the store closes.
func (g *groupCommitter) loop() {
	batch := make([]*groupJob, 0, maxGroup)
	for {
		select {
		case j := <-g.jobs:
			batch = append(batch[:0], j)
		case <-g.quit:
			return
		}
		// Let the callers that are running reach the queue before it is
		// read: on a busy machine the committer would otherwise wake for
		// each job as it comes and commit nearly every one alone. This is
		// a yield, not a wait: with nothing else to run it returns at
		// once, and a lone caller commits alone.
		runtime.Gosched()
	fill:
		for len(batch) < maxGroup {
			select {
			case j := <-g.jobs:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		g.commit(batch)
		clear(batch)
	}
}

// commit runs a group, retrying it whole on a transient engine condition
// (a busy database, a PostgreSQL deadlock between two groups), then
// releases its callers.
func (g *groupCommitter) commit(batch []*groupJob) {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = g.try(batch)
		if !retryable(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	for _, j := range batch {
		if err != nil {
			j.err = err // the transaction failed: nothing of it is written
		}
		close(j.done)
	}
}

// try runs every job of the group in its own savepoint of one transaction
// and commits. A job's error rolls back its savepoint only; an error of
// the transaction itself (or a transient one, worth retrying the group
// for) rolls back the whole group.
func (g *groupCommitter) try(batch []*groupJob) error {
	ctx := context.Background()
	stx, err := g.db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{tx: stx, db: g.db, now: g.db.Now().UTC().Truncate(time.Microsecond), routes: map[string]int64{}}
	for _, j := range batch {
		if j.err = j.ctx.Err(); j.err != nil {
			continue // the caller gave up before its change began
		}
		if err := g.savepoint(ctx, stx, j, tx); err != nil {
			stx.Rollback()
			return err
		}
	}
	return stx.Commit()
}

// savepoint runs one job in a savepoint, leaving its error in j.err; it
// returns an error only when the group transaction cannot go on.
func (g *groupCommitter) savepoint(ctx context.Context, stx *sql.Tx, j *groupJob, tx *Tx) error {
	if _, err := stx.ExecContext(ctx, "SAVEPOINT grouped"); err != nil {
		return err
	}
	if j.err = j.fn(ctx, tx); j.err != nil {
		if retryable(j.err) {
			return j.err
		}
		// Back to the start of the job. After some errors SQLite rolls
		// back the whole transaction by itself; then the savepoint is
		// gone, this fails, and so does the group, as it must.
		if _, err := stx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT grouped"); err != nil {
			return err
		}
	}
	_, err := stx.ExecContext(ctx, "RELEASE SAVEPOINT grouped")
	return err
}
