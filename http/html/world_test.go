package html_test

import (
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/ucxdev/ucx/sqlstore"
)

func TestMain(m *testing.M) {
	// Hashing passwords at the production cost would make each world (21
	// users, each logging in over HTTP) take seconds.
	sqlstore.PasswordCost = bcrypt.MinCost
	os.Exit(m.Run())
}
