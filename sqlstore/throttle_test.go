package sqlstore_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestAuthenticate_LocksAnAccountAfterRepeatedFailuresFromAnywhere: the
// failures on one account count whichever address sends them; from the
// fifth the account is locked for a minute, doubling with each further
// failure up to an hour; the right password during the lock is refused
// (and leaves the count as it was), the right password after it resets
// the count; each lock is in the organisation's audit trail for its
// admins, with the address of the last failure.
func TestAuthenticate_LocksAnAccountAfterRepeatedFailuresFromAnywhere(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		now := testNow
		db.Now = func() time.Time { return now }
		from := func(addr string) context.Context { return ucx.WithClientAddr(context.Background(), addr) }
		user := "exporter.member"

		for i := 1; i < sqlstore.LockAfterFailures; i++ {
			_, err := db.Authenticate(from("198.51.100."+strconv.Itoa(i)), user, "wrong password "+strconv.Itoa(i))
			wantCode(t, err, ucx.EUNAUTHORIZED)
		}
		_, err := db.Authenticate(from("198.51.100.99"), user, "wrong password 5")
		wantCode(t, err, ucx.ERATELIMIT)
		if d := ucx.RetryAfter(err); d != sqlstore.LockBase {
			t.Errorf("first lock: retry after %s, want %s", d, sqlstore.LockBase)
		}
		if msg := ucx.ErrorMessage(err); !strings.Contains(msg, "per-account sign-in throttling") {
			t.Errorf("lock message does not name the rule: %q", msg)
		}

		// The right password from a fresh address is refused while locked.
		now = now.Add(30 * time.Second)
		_, err = db.Authenticate(from("203.0.113.1"), user, testPassword)
		wantCode(t, err, ucx.ERATELIMIT)
		if d := ucx.RetryAfter(err); d != 30*time.Second {
			t.Errorf("retry after %s, want 30s", d)
		}

		// The count survived: one more failure after the lock locks for
		// twice as long, then the cap holds at an hour.
		now = now.Add(31 * time.Second)
		_, err = db.Authenticate(from("198.51.100.7"), user, "wrong again")
		wantCode(t, err, ucx.ERATELIMIT)
		if d := ucx.RetryAfter(err); d != 2*sqlstore.LockBase {
			t.Errorf("second lock: retry after %s, want %s", d, 2*sqlstore.LockBase)
		}
		for i := 0; i < 8; i++ {
			now = now.Add(sqlstore.LockMax)
			_, err = db.Authenticate(from("198.51.100.8"), user, "wrong again")
		}
		if d := ucx.RetryAfter(err); d != sqlstore.LockMax {
			t.Errorf("lock after many failures: %s, want the cap %s", d, sqlstore.LockMax)
		}

		// After the lock, the right password signs in and resets the
		// count: four failures then do not lock.
		now = now.Add(sqlstore.LockMax)
		if _, err := db.Authenticate(from("203.0.113.1"), user, testPassword); err != nil {
			t.Fatalf("right password after the lock: %v", err)
		}
		for i := 1; i < sqlstore.LockAfterFailures; i++ {
			_, err := db.Authenticate(from("198.51.100.1"), user, "wrong")
			wantCode(t, err, ucx.EUNAUTHORIZED)
		}
		if _, err := db.Authenticate(from("203.0.113.1"), user, testPassword); err != nil {
			t.Fatalf("right password after four failures: %v", err)
		}

		// Other accounts are untouched.
		if _, err := db.Authenticate(from("198.51.100.99"), "exporter.admin", testPassword); err != nil {
			t.Fatalf("another account of the same organisation: %v", err)
		}

		// The locks are in the organisation's audit trail, for its admins.
		events, _, err := db.OrgEvents(context.Background(), w.ExpAdmin, w.Exporter.ID, ucx.EventFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var locks []*ucx.Event
		for _, e := range events {
			if e.Action == "user.locked" && e.EntityID == w.ExpMember.UserID {
				locks = append(locks, e)
			}
		}
		if len(locks) != 10 {
			t.Fatalf("%d user.locked events, want 10 (one a lock)", len(locks))
		}
		if !strings.Contains(locks[len(locks)-1].Note, "198.51.100.99") {
			t.Errorf("first lock's note does not name the last address: %q", locks[len(locks)-1].Note)
		}
		for _, p := range []*ucx.Principal{w.ExpMember, w.Users["exporter2.admin"], w.OperatorAdmin} {
			_, _, err := db.OrgEvents(context.Background(), p, w.Exporter.ID, ucx.EventFilter{})
			wantCode(t, err, ucx.EFORBIDDEN)
		}
	})
}
