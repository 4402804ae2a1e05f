package sqlstore_test

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// listWorld files a dozen applications of exporter's, on different days
// and with different registration dates: drafts (no application date),
// cars under review or waiting for a letter, one licensed and cleared.
func listWorld(t *testing.T, db *sqlstore.DB) (*world, []*ucx.Application) {
	t.Helper()
	w := newWorld(t, db)
	var apps []*ucx.Application
	for i := 0; i < 12; i++ {
		day := i % 4 // several share a day: the id breaks the tie
		db.Now = func() time.Time {
			return testNow.Add(time.Duration(-day*24) * time.Hour).Add(time.Duration(i) * time.Minute)
		}
		reg := oldReg.AddDays(i * 7 % 5)
		if i%3 == 0 {
			reg = recentReg.AddDays(i)
		}
		in := w.Input(w.MakerWMI, reg)
		in.Submit = i%4 != 3 // every fourth stays a draft
		if i%2 == 1 {
			in.Destination = "KZ"
		}
		apps = append(apps, w.Create(t, w.ExpMember, in))
	}
	db.Now = func() time.Time { return testNow }
	return w, apps
}

// sortValue is the value an application is sorted by under key, for the
// test's own ordering: days and microseconds as numbers, NULL as the
// smallest value.
func sortValue(a *ucx.Application, key string) (int64, string, bool) {
	switch key {
	case ucx.SortApplicationDate:
		if a.ApplicationDate.IsZero() {
			return 0, "", true
		}
		return int64(a.ApplicationDate.Days()), "", false
	case ucx.SortRegistrationDate:
		return int64(a.Vehicle.RegistrationDate.Days()), "", false
	case ucx.SortUpdated:
		return a.UpdatedAt.UnixMicro(), "", false
	case ucx.SortVIN:
		return 0, a.Vehicle.VIN, false
	case ucx.SortDestination:
		return 0, a.Destination, false
	case ucx.SortState:
		return 0, string(a.State), false
	}
	return a.ID, "", false
}

func compareApps(key string, desc bool) func(a, b *ucx.Application) int {
	return func(a, b *ucx.Application) int {
		an, as, anull := sortValue(a, key)
		bn, bs, bnull := sortValue(b, key)
		c := 0
		switch {
		case anull && !bnull:
			c = -1
		case bnull && !anull:
			c = 1
		default:
			c = cmp.Or(cmp.Compare(an, bn), cmp.Compare(as, bs))
		}
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if desc {
			c = -c
		}
		return c
	}
}

func ids[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func appID(a *ucx.Application) int64 { return a.ID }

// Paging by cursor, three rows a page, visits every application once, in
// the order the sort key asks (NULLs first ascending, last descending), on
// both engines and for every key and direction.
func TestFindApplications_KeysetPagesEveryOrderOnce(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w, apps := listWorld(t, db)
		ctx := context.Background()
		// Reread: submission changed states, dates and versions.
		all, total, err := db.FindApplications(ctx, w.ExpMember, ucx.ApplicationFilter{Limit: 500})
		if err != nil || total != len(apps) || len(all) != len(apps) {
			t.Fatalf("all: %d of %d (total %d), err %v", len(all), len(apps), total, err)
		}
		for _, key := range ucx.ApplicationSorts {
			for _, desc := range []bool{false, true} {
				s := ucx.Sort{Key: key, Desc: desc}
				t.Run(s.String(), func(t *testing.T) {
					want := slices.Clone(all)
					slices.SortStableFunc(want, compareApps(key, desc))
					var got []int64
					var after ucx.Cursor
					for pages := 0; pages < 10; pages++ {
						// The cursor goes through its URL form, as a page's
						// "more" link carries it.
						c, err := ucx.ParseCursor(after.String())
						if err != nil {
							t.Fatal(err)
						}
						page, total, err := db.FindApplications(ctx, w.ExpMember, ucx.ApplicationFilter{Sort: s, After: c, Limit: 3, CountUpTo: -1})
						if err != nil {
							t.Fatal(err)
						}
						if total != -1 {
							t.Fatalf("CountUpTo -1 counted %d", total)
						}
						got = append(got, ids(page, appID)...)
						if len(page) < 3 {
							break
						}
						after = ucx.ApplicationCursor(page[len(page)-1], s)
					}
					if w := ids(want, appID); !slices.Equal(got, w) {
						t.Errorf("pages gave %v, want %v", got, w)
					}
				})
			}
		}
	})
}

func TestFindApplications_FiltersOfTheWorkingTables(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w, apps := listWorld(t, db)
		ctx := context.Background()
		other := w.Input(w.Maker2WMI, oldReg)
		other.Submit, other.ContractNumber = true, "SD-2026-0007"
		theirs := w.Create(t, w.Exp2Member, other)
		l := w.Licensed(t)
		find := func(p *ucx.Principal, f ucx.ApplicationFilter) []int64 {
			t.Helper()
			f.Limit = 500
			got, _, err := db.FindApplications(ctx, p, f)
			if err != nil {
				t.Fatal(err)
			}
			return ids(got, appID)
		}
		// Filed on 8 and 9 March: the third and fourth days back.
		var filedBefore []int64
		for _, a := range apps {
			if a2, _ := db.FindApplicationByID(ctx, w.ExpMember, a.ID); !a2.ApplicationDate.IsZero() && !a2.ApplicationDate.After(today.AddDays(-2)) && !a2.ApplicationDate.Before(today.AddDays(-3)) {
				filedBefore = append(filedBefore, a.ID)
			}
		}
		slices.Reverse(filedBefore)
		if len(filedBefore) == 0 {
			t.Fatal("no application filed in the range: the fixture changed")
		}
		cases := []struct {
			name string
			p    *ucx.Principal
			f    ucx.ApplicationFilter
			want []int64
		}{
			{"manufacturer", w.AuthMember, ucx.ApplicationFilter{ManufacturerID: w.Maker2.ID}, []int64{theirs.ID}},
			{"date range", w.ExpMember, ucx.ApplicationFilter{From: today.AddDays(-3), To: today.AddDays(-2)}, filedBefore},
			{"exporter's name", w.AuthMember, ucx.ApplicationFilter{Query: "速达"}, []int64{theirs.ID}},
			{"exporter's name, not another exporter's own", w.ExpMember, ucx.ApplicationFilter{Query: "速达"}, nil},
			{"licence number", w.CustomsMember, ucx.ApplicationFilter{Query: l.Number}, []int64{l.ApplicationID}},
			{"licence number in lower case", w.CustomsMember, ucx.ApplicationFilter{Query: " " + toLower(l.Number) + " "}, []int64{l.ApplicationID}},
			{"a whole VIN", w.AuthMember, ucx.ApplicationFilter{Query: theirs.Vehicle.VIN}, []int64{theirs.ID}},
			{"the end of a VIN", w.Exp2Member, ucx.ApplicationFilter{Query: toLower(theirs.Vehicle.VIN[9:])}, []int64{theirs.ID}},
			{"six characters of a VIN's end", w.AuthMember, ucx.ApplicationFilter{Query: theirs.Vehicle.VIN[11:]}, []int64{theirs.ID}},
			{"text contained: the contract number", w.AuthMember, ucx.ApplicationFilter{Query: "SD-2026"}, []int64{theirs.ID}},
			{"text contained: the buyer", w.Exp2Member, ucx.ApplicationFilter{Query: "avto"}, []int64{theirs.ID}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if got := find(c.p, c.f); !slices.Equal(got, c.want) {
					t.Errorf("got %v, want %v", got, c.want)
				}
			})
		}
	})
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// CountUpTo counts at most one past its cap (a total above the cap means
// "more than"), 0 counts exactly, a negative value not at all.
func TestFindApplications_CountUpToCapsTheTotal(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w, apps := listWorld(t, db)
		for _, c := range []struct{ upTo, want int }{{0, len(apps)}, {3, 4}, {len(apps), len(apps)}, {100, len(apps)}, {-1, -1}} {
			got, total, err := db.FindApplications(context.Background(), w.ExpMember, ucx.ApplicationFilter{CountUpTo: c.upTo, Limit: 2})
			if err != nil || len(got) != 2 {
				t.Fatalf("CountUpTo %d: %d rows, %v", c.upTo, len(got), err)
			}
			if total != c.want {
				t.Errorf("CountUpTo %d: total %d, want %d", c.upTo, total, c.want)
			}
		}
	})
}

func TestLists_RefuseWhatTheyCannotDo(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		many := make([]int64, ucx.MaxFilterIDs+1)
		for i := range many {
			many[i] = int64(i + 1)
		}
		cases := []struct {
			name, field string
			err         func() error
		}{
			{"an application sort without an index", "sort", func() error {
				_, _, err := db.FindApplications(ctx, w.AuthMember, ucx.ApplicationFilter{Sort: ucx.Sort{Key: "buyer"}})
				return err
			}},
			{"a request sort of another list", "sort", func() error {
				_, _, err := db.FindRequests(ctx, w.MakerMember, ucx.RequestFilter{Sort: ucx.Sort{Key: ucx.SortVIN}})
				return err
			}},
			{"a NULL cursor on a column that has none", "after", func() error {
				_, _, err := db.FindApplications(ctx, w.AuthMember, ucx.ApplicationFilter{Sort: ucx.Sort{Key: ucx.SortVIN}, After: ucx.Cursor{ID: 3, Null: true}})
				return err
			}},
			{"a text cursor on a date", "after", func() error {
				_, _, err := db.FindLicences(ctx, w.CustomsMember, ucx.LicenceFilter{Sort: ucx.Sort{Key: ucx.SortIssued}, After: ucx.Cursor{ID: 3, Value: "x"}})
				return err
			}},
			{"from after to", "from", func() error {
				_, _, err := db.FindApplications(ctx, w.AuthMember, ucx.ApplicationFilter{From: today, To: today.AddDays(-1)})
				return err
			}},
			{"too many application ids", "application_ids", func() error {
				_, _, err := db.FindRequests(ctx, w.AuthMember, ucx.RequestFilter{ApplicationIDs: many})
				return err
			}},
			{"an unknown request state", "state", func() error {
				_, _, err := db.FindRequests(ctx, w.MakerMember, ucx.RequestFilter{States: []ucx.ConfirmationState{"answered"}})
				return err
			}},
			{"an unknown licence state", "state", func() error {
				_, _, err := db.FindLicences(ctx, w.CustomsMember, ucx.LicenceFilter{State: "used"})
				return err
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { wantField(t, c.err(), c.field) })
		}
	})
}

func reqID(r *ucx.ConfirmationRequest) int64 { return r.ID }

// A manufacturer's history: answered requests newest answer first, paged
// by cursor; its requests from one exporter; the letters of a page of
// applications in one query; another maker sees none of them.
func TestFindRequests_HistoryWhoAsksAndLettersOfAPage(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		var reqs []*ucx.ConfirmationRequest
		var appIDs []int64
		for i := 0; i < 7; i++ {
			p := w.ExpMember
			if i%3 == 2 {
				p = w.Exp2Member
			}
			in := w.Input(w.MakerWMI, recentReg)
			in.Submit = true
			a := w.Create(t, p, in)
			appIDs = append(appIDs, a.ID)
			rs, _, err := db.FindRequests(ctx, w.MakerMember, ucx.RequestFilter{ApplicationIDs: []int64{a.ID}})
			if err != nil || len(rs) != 1 {
				t.Fatalf("request of %d: %v %v", a.ID, rs, err)
			}
			reqs = append(reqs, rs[0])
		}
		// Answer five of them, an hour apart, out of order; two stay pending.
		order := []int{3, 0, 5, 1, 6}
		for n, i := range order {
			db.Now = func() time.Time { return testNow.Add(time.Duration(n+1) * time.Hour) }
			r := reqs[i]
			var err error
			if i == 5 {
				_, err = db.RefuseRequest(ctx, w.MakerMember, r.ID, r.Version, "no_service_network", "none there")
			} else {
				_, err = db.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU})
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		db.Now = func() time.Time { return testNow }
		history := ucx.RequestFilter{States: []ucx.ConfirmationState{ucx.ConfirmationApproved, ucx.ConfirmationRefused},
			Sort: ucx.Sort{Key: ucx.SortAnswered, Desc: true}, Limit: 2}
		var got []int64
		for pages := 0; pages < 5; pages++ {
			page, total, err := db.FindRequests(ctx, w.MakerMember, history)
			if err != nil {
				t.Fatal(err)
			}
			if total != 5 {
				t.Errorf("history total %d, want 5", total)
			}
			got = append(got, ids(page, reqID)...)
			if len(page) < 2 {
				break
			}
			history.After = ucx.RequestCursor(page[len(page)-1], history.Sort)
		}
		want := []int64{reqs[6].ID, reqs[1].ID, reqs[5].ID, reqs[0].ID, reqs[3].ID}
		if !slices.Equal(got, want) {
			t.Errorf("history %v, want %v (newest answer first)", got, want)
		}

		// Every state, answered first by answer then the pending ones
		// last (NULLs last descending), paged.
		all := ucx.RequestFilter{Sort: ucx.Sort{Key: ucx.SortAnswered, Desc: true}, Limit: 3}
		got = nil
		for pages := 0; pages < 5; pages++ {
			page, _, err := db.FindRequests(ctx, w.MakerMember, all)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(page, reqID)...)
			if len(page) < 3 {
				break
			}
			all.After = ucx.RequestCursor(page[len(page)-1], all.Sort)
		}
		want = append(want, reqs[4].ID, reqs[2].ID)
		if !slices.Equal(got, want) {
			t.Errorf("all requests %v, want %v", got, want)
		}

		fromExp2, total, err := db.FindRequests(ctx, w.MakerMember, ucx.RequestFilter{ExporterID: w.Exporter2.ID})
		if err != nil || total != 2 || !slices.Equal(ids(fromExp2, reqID), []int64{reqs[2].ID, reqs[5].ID}) {
			t.Errorf("requests from exporter2: %v (total %d), %v", ids(fromExp2, reqID), total, err)
		}
		byName, _, err := db.FindRequests(ctx, w.MakerMember, ucx.RequestFilter{Query: "速达"})
		if err != nil || !slices.Equal(ids(byName, reqID), ids(fromExp2, reqID)) {
			t.Errorf("requests by exporter name: %v, %v", ids(byName, reqID), err)
		}
		letters, _, err := db.FindRequests(ctx, w.AuthMember, ucx.RequestFilter{ApplicationIDs: appIDs[:3], State: ucx.ConfirmationApproved})
		if err != nil || !slices.Equal(ids(letters, reqID), []int64{reqs[1].ID, reqs[0].ID}) {
			t.Errorf("approved letters of the first three: %v, %v", ids(letters, reqID), err)
		}
		if rs, _, err := db.FindRequests(ctx, w.Maker2Mem, ucx.RequestFilter{ApplicationIDs: appIDs}); err != nil || len(rs) != 0 {
			t.Errorf("another maker sees %d requests (%v)", len(rs), err)
		}

		// The inbox by the priority its rules gave, then oldest first,
		// paged one by one: the id runs the other way from the priority.
		for i, prio := range map[int]int{0: 5, 2: 5, 4: 9} {
			if err := sqlstore.Exec(ctx, db, "UPDATE confirmation_requests SET priority = ? WHERE id = ?", prio, reqs[i].ID); err != nil {
				t.Fatal(err)
			}
		}
		inbox := ucx.RequestFilter{Limit: 1}
		got = nil
		for pages := 0; pages < 10; pages++ {
			page, _, err := db.FindRequests(ctx, w.MakerMember, inbox)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(page, reqID)...)
			if len(page) < 1 {
				break
			}
			inbox.After = ucx.RequestCursor(page[0], ucx.Sort{Key: ucx.SortPriority, Desc: true})
		}
		want = []int64{reqs[4].ID, reqs[0].ID, reqs[2].ID, reqs[1].ID, reqs[3].ID, reqs[5].ID, reqs[6].ID}
		if !slices.Equal(got, want) {
			t.Errorf("inbox by priority %v, want %v", got, want)
		}
	})
}

func licID(l *ucx.Licence) int64 { return l.ID }

// Licences by state (the SQL twin of Licence.StateOn), by number in the
// search box, by application, and cleared ones newest clearance first.
func TestFindLicences_StateSearchAndClearanceOrder(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		var ls []*ucx.Licence
		for i := 0; i < 4; i++ {
			ls = append(ls, w.Licensed(t))
		}
		for n, i := range []int{2, 0} {
			db.Now = func() time.Time { return testNow.Add(time.Duration(n+1) * time.Hour) }
			if _, err := db.RecordClearance(ctx, w.CustomsMember, ls[i].ID, "黄埔新港", "52012026000"+strconv.Itoa(i)); err != nil {
				t.Fatal(err)
			}
		}
		db.Now = func() time.Time { return testNow }
		find := func(f ucx.LicenceFilter) []int64 {
			t.Helper()
			got, _, err := db.FindLicences(ctx, w.CustomsMember, f)
			if err != nil {
				t.Fatal(err)
			}
			return ids(got, licID)
		}
		cases := []struct {
			name string
			f    ucx.LicenceFilter
			want []int64
		}{
			{"valid", ucx.LicenceFilter{State: ucx.LicenceValid}, []int64{ls[3].ID, ls[1].ID}},
			{"cleared, newest clearance first", ucx.LicenceFilter{State: ucx.LicenceCleared, Sort: ucx.Sort{Key: ucx.SortCleared, Desc: true}}, []int64{ls[0].ID, ls[2].ID}},
			{"expired: none yet", ucx.LicenceFilter{State: ucx.LicenceExpired}, nil},
			{"by number in the search box", ucx.LicenceFilter{Query: ls[1].Number}, []int64{ls[1].ID}},
			{"by a whole VIN in the search box", ucx.LicenceFilter{Query: ls[2].Schedule[0].VIN}, []int64{ls[2].ID}},
			{"by application", ucx.LicenceFilter{ApplicationIDs: []int64{ls[0].ApplicationID, ls[3].ApplicationID}}, []int64{ls[3].ID, ls[0].ID}},
			{"by the exporter's name", ucx.LicenceFilter{Query: "华运"}, []int64{ls[3].ID, ls[2].ID, ls[1].ID, ls[0].ID}},
			{"issued today", ucx.LicenceFilter{From: today, To: today, Sort: ucx.Sort{Key: ucx.SortIssued}}, []int64{ls[0].ID, ls[1].ID, ls[2].ID, ls[3].ID}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if got := find(c.f); !slices.Equal(got, c.want) {
					t.Errorf("got %v, want %v", got, c.want)
				}
			})
		}
		// A day after the validity, the uncleared ones are expired.
		db.Now = func() time.Time { return ls[1].ValidUntil.AddDays(1).Time().Add(12 * time.Hour) }
		if got := find(ucx.LicenceFilter{State: ucx.LicenceExpired}); !slices.Equal(got, []int64{ls[3].ID, ls[1].ID}) {
			t.Errorf("expired later: %v", got)
		}
	})
}
