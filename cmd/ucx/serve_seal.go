package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ucxdev/ucx/sqlstore"
)

// openSealing turns document sealing on (sqlstore.DB.UseKEK) with the
// key-encryption key from --kek-file or UCX_KEK: the root key and custodial
// keys are kept encrypted under it, so it must stay the same across
// restarts and is never written to the database or the log. The demo
// generates one for its in-memory world. Without a KEK the server runs
// with sealing off: the workflow stores unsealed documents and the
// document routes answer 503, and a warning says so.
func (m *Main) openSealing(ctx context.Context) error {
	c := m.Config
	var text string
	switch {
	case c.KEKFile != "":
		b, err := os.ReadFile(c.KEKFile)
		if err != nil {
			return usageErr(fmt.Errorf("--kek-file: %w", err))
		}
		text = string(b)
	case os.Getenv("UCX_KEK") != "":
		text = os.Getenv("UCX_KEK")
	}
	var kek []byte
	switch {
	case text != "":
		var err error
		if kek, err = sqlstore.ParseKEK(text); err != nil {
			return usageErr(fmt.Errorf("the key-encryption key (--kek-file or UCX_KEK): %w", err))
		}
	case c.Demo:
		kek = sqlstore.NewKEK()
	default:
		m.Logger.Warn("no key-encryption key (UCX_KEK or --kek-file): documents are not sealed and the document routes answer 503")
		return nil
	}
	if err := m.DB.UseKEK(ctx, kek); err != nil {
		return usageErr(fmt.Errorf("the key-encryption key: %w", err))
	}
	return nil
}
