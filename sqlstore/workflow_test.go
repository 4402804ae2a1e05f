package sqlstore_test

import (
	"context"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

func TestWorkflow_FromFilingToClearance(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		l := w.licensed(t)
		ctx := context.Background()
		l, err := db.RecordClearance(ctx, w.customsMember, l.ID, "Horgos", "DEC-1")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s %s", l.Number, l.Document)
		evs, err := db.Timeline(ctx, w.expMember, l.ApplicationID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			t.Logf("%+v", *e)
		}
		_ = ucx.EINVALID
	})
}
