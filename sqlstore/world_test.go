package sqlstore_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
)

func TestMain(m *testing.M) {
	// Test hook: hashing at the production cost would make the fixture
	// (a dozen users per test, twice per engine) take seconds.
	sqlstore.PasswordCost = bcrypt.MinCost
	os.Exit(m.Run())
}

// The world fixture and its clock are sqlstoretest's, the one set the
// store's, the API's and the UI's tests share; the short names keep the
// store's tests as they were.
var (
	testNow   = sqlstoretest.TestNow
	today     = sqlstoretest.Today
	recentReg = sqlstoretest.RecentReg
	oldReg    = sqlstoretest.OldReg
	newWorld  = sqlstoretest.NewWorld
)

const testPassword = sqlstoretest.Password

// world is the shared fixture: one organisation of every kind, two
// exporters and two manufacturers (each with declared WMIs and outlets), and
// users of every role in each (sqlstoretest.World).
type world = sqlstoretest.World

// wantCode fails the test unless err carries the ucx error code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := ucx.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

// wantField fails the test unless err is EINVALID naming field.
func wantField(t testing.TB, err error, field string) {
	t.Helper()
	wantCode(t, err, ucx.EINVALID)
	var e *ucx.Error
	if !errors.As(err, &e) || e.Field != field {
		t.Fatalf("error %v names field %q, want %q", err, ucx.ErrorField(err), field)
	}
}

// count returns the number of rows of table, to prove nothing was written.
func count(t testing.TB, db *sqlstore.DB, table string) int {
	t.Helper()
	n, err := sqlstore.CountRows(context.Background(), db, table)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
