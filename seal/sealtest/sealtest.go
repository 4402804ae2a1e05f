// Package sealtest holds test helpers for packages that define sealed
// documents.
//
// A sealed document type is encoded with seal.Marshal, whose fast path
// relies on the type declaring its struct fields in canonical (RFC 8785)
// order. Nothing in the compiler checks that order, so each document type's
// tests call Canonical on a fully populated value: a field added in the
// wrong place then fails a test instead of quietly slowing every seal.
package sealtest

import (
	"testing"

	"github.com/ucxdev/ucx/seal"
)

// Canonical fails the test unless encoding/json's encoding of v is already
// byte-for-byte its RFC 8785 canonical form, i.e. seal.Marshal encodes v on
// its fast path. Fill in every field of v: an empty omitempty field hides
// its place in the order.
func Canonical(tb testing.TB, v any) {
	tb.Helper()
	if err := seal.CheckMarshal(v); err != nil {
		tb.Fatal(err)
	}
}
