package sqlstore

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

// TestNotify_EveryAuditActionIsAnnouncedOrSilentForAReason: each audit
// action the store's code declares (a const act… = "…") is either
// announced or listed silent with its reason, so that an action added
// later (a letter's, a shipment's) cannot go unannounced by oversight.
func TestNotify_EveryAuditActionIsAnnouncedOrSilentForAReason(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "act") || len(name.Name) < 4 || name.Name[3] < 'A' || name.Name[3] > 'Z' || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					action, _ := strconv.Unquote(lit.Value)
					n++
					_, loud := announcers[action]
					why, quiet := silentActions[action]
					switch {
					case loud && quiet:
						t.Errorf("%s (%s, %s) is both announced and silent", name.Name, action, f)
					case !loud && !quiet:
						t.Errorf("%s (%s, %s) is neither announced nor listed silent with a reason: decide who hears it (notify_outbox.go)", name.Name, action, f)
					case quiet && why == "":
						t.Errorf("%s is silent without a reason", action)
					}
				}
			}
		}
	}
	if n < 30 {
		t.Fatalf("found only %d audit actions; the parse is wrong", n)
	}
}

// TestNotify_RolledBackChangeAnnouncesNothing: an announced action whose
// transaction rolls back leaves no notification and no delivery, on a
// change that had written its audit event and its outbox rows.
func TestNotify_RolledBackChangeAnnouncesNothing(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	auth := &ucx.Org{Kind: ucx.KindAuthority, Name: "审核机关", Region: "广东"}
	exp := &ucx.Org{Kind: ucx.KindExporter, Name: "出口企业", Region: "广东", FilingNumber: "X-1", FilingExpires: ucx.DateOf(db.Now()).AddDays(100)}
	for i, o := range []*ucx.Org{auth, exp} {
		if err := db.Bootstrap(ctx, o, &ucx.User{Username: "user" + strconv.Itoa(i), Role: ucx.RoleAdmin}, "a long password here"); err != nil {
			t.Fatal(err)
		}
	}
	p := &ucx.Principal{UserID: 2, OrgID: exp.ID, OrgKind: ucx.KindExporter, Role: ucx.RoleAdmin}
	boom := errors.New("the change fails after its audit event")
	var inTx int
	err = db.Update(ctx, "test", func(tx *Tx) error {
		appID, err := tx.InsertID(ctx, `INSERT INTO applications (exporter_id, vin, brand, model, destination, state, version, application_date, registration_date, outcome, letter_required, data, decision, created_at, updated_at)
			VALUES (?, 'LM1ABCDE0S1000001', 'B', 'M', 'RU', 'under_review', 1, 0, 0, 'clear', 0, '{}', '{}', 0, 0)`, exp.ID)
		if err != nil {
			return err
		}
		if err := tx.event(ctx, p, actAppSubmit, entityApplication, appID, appID, "draft", string(ucx.StateUnderReview), "clear"); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM notify_deliveries").Scan(&inTx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update: %v", err)
	}
	if inTx != 1 {
		t.Fatalf("inside the transaction the authority's delivery was %d rows, want 1 (the test would prove nothing)", inTx)
	}
	for _, table := range []string{"notifications", "notify_deliveries"} {
		var n int
		if err := db.View(ctx, "test", func(tx *Tx) error { return tx.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n) }); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s after the rollback: %d rows, want 0", table, n)
		}
	}
}

// TestNotificationTexts_EveryEventInBothLanguages: every event has its
// Chinese and English message, and the Chinese one is Chinese.
func TestNotificationTexts_EveryEventInBothLanguages(t *testing.T) {
	for _, e := range ucx.NotifyEvents {
		n := &ucx.Notification{Event: e, Facts: map[string]string{"vin": "LM1ABCDE0S1000001"}}
		zh, en := ucx.NotificationText(n, ucx.LangZH), ucx.NotificationText(n, ucx.LangEN)
		if zh == string(e) || en == string(e) || zh == en {
			t.Errorf("%s: zh %q, en %q", e, zh, en)
		}
		if !strings.ContainsAny(zh, "的已请申许证信") {
			t.Errorf("%s: the Chinese message %q reads as no Chinese", e, zh)
		}
	}
}
