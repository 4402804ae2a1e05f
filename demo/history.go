package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/vin"
)

// The demo's year of history: enough past applications for every figure
// of the oversight dashboard to say something. It is written in
// bulk by sqlstore.LoadHistory (no workflow, no audit events), so it costs
// well under a second at start-up, and it is deterministic for a seed.
//
// The history is filed by exporters of its own, of every size, so that
// the demo's two working exporters keep short lists for people trying the
// workflow, and the gatekeeping figure (approval by exporter size) has
// small, medium and large exporters to compare. What it shows, by design:
//   - destinations weighted to Russia, Kazakhstan, Uzbekistan and the UAE;
//   - near-new cars (a letter needed, R1) common before 2026-01-01, when
//     the rule took effect, and falling after it, zero-kilometre cars with
//     them;
//   - manufacturers answering at different speeds, refusing small
//     exporters more often than large ones;
//   - some licences refused, and a few credit events, enough for R6's
//     naming to list one enterprise.

// historyExporter is one exporter of the history with its yearly volume.
type historyExporter struct {
	name, nameEN, filing string
	perYear              int
	small                bool
}

var historyExporters = []historyExporter{
	{"广州南沙国际汽车出口有限公司", "Guangzhou Nansha International Auto Export Co., Ltd.", "GD-2025-0201", 1500, false},
	{"东莞粤通汽车贸易有限公司", "Dongguan Yuetong Auto Trading Co., Ltd.", "GD-2025-0233", 420, false},
	{"佛山顺达二手车出口有限公司", "Foshan Shunda Used Car Export Co., Ltd.", "GD-2025-0268", 260, false},
	{"珠海横琴车易出口有限公司", "Zhuhai Hengqin Cheyi Export Co., Ltd.", "GD-2025-0290", 80, true},
	{"中山远航汽车贸易有限公司", "Zhongshan Yuanhang Auto Trading Co., Ltd.", "GD-2025-0311", 60, true},
	{"江门侨乡车业有限公司", "Jiangmen Qiaoxiang Auto Co., Ltd.", "GD-2025-0327", 45, true},
	{"惠州鹏程汽车出口有限公司", "Huizhou Pengcheng Auto Export Co., Ltd.", "GD-2025-0356", 30, true},
}

// weighted picks an index by weight.
func weighted(r *mrand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

var (
	historyDests       = []string{"RU", "KZ", "UZ", "AE", "KG", "GE", "AZ", "MN", "TJ"}
	historyDestWeights = []int{42, 20, 12, 11, 5, 3, 3, 2, 2}
	// ruleDay is when Notice 648's letter requirement took effect.
	ruleDay = ucx.MustDate(2026, 1, 1)
)

// historyMaker is a manufacturer of the history: its WMI, brand, models,
// share of the cars, and how it answers letter requests.
type historyMaker struct {
	user, wmi, brand string
	weight           int
	medianHours      int     // typical time to answer
	refuseSmall      float64 // refusal rate for small exporters
	refuseOther      float64
}

var historyMakers = []historyMaker{
	{"byd-compliance", "LGX", "BYD", 50, 18, 0.22, 0.06},
	{"chery-compliance", "LVV", "Chery", 30, 60, 0.40, 0.12},
	{"geely-compliance", "L6T", "Geely", 20, 36, 0.18, 0.10},
}

// seedHistory writes the history for the year before today. ps are the
// demo's principals (the operator creates the history's exporters, the
// licensing authority records credit events).
func seedHistory(ctx context.Context, db *sqlstore.DB, ps map[string]*ucx.Principal, today ucx.Date, seed uint64) (int, error) {
	r := mrand.New(mrand.NewPCG(seed, 7))
	op, auth := ps["operator"], ps["gd-licensing"]
	if op == nil || auth == nil {
		return 0, fmt.Errorf("demo: history needs the operator and gd-licensing users")
	}
	var exporterIDs []int64
	for _, e := range historyExporters {
		o := &ucx.Org{Kind: ucx.KindExporter, Name: e.name, NameEN: e.nameEN, Region: "广东",
			FilingNumber: e.filing, FilingExpires: today.AddDays(300), Standing: ucx.StandingNormal}
		if err := db.CreateOrg(ctx, op, o); err != nil {
			return 0, fmt.Errorf("demo: history exporter %s: %w", e.name, err)
		}
		exporterIDs = append(exporterIDs, o.ID)
	}
	makerIDs := make([]int64, len(historyMakers))
	weights := make([]int, len(historyMakers))
	for i, m := range historyMakers {
		p := ps[m.user]
		if p == nil {
			return 0, fmt.Errorf("demo: history needs the %s user", m.user)
		}
		makerIDs[i], weights[i] = p.OrgID, m.weight
	}

	var apps []sqlstore.HistoryApplication
	serial := 0
	for ei, e := range historyExporters {
		for range e.perYear {
			// Filings grow a little through the year (later days likelier).
			age := 1 + int(float64(365)*(1-sqrtish(r.Float64())))
			filed := today.AddDays(-min(age, 365))
			mi := weighted(r, weights)
			m := historyMakers[mi]
			// Near-new: more than half of the cars before the rule, about
			// one in seven after it (REGULATION.md §4's expectation).
			nearNewP := 0.55
			if !filed.Before(ruleDay) {
				nearNewP = 0.15
			}
			nearNew := r.Float64() < nearNewP
			var reg ucx.Date
			var km int
			if nearNew {
				reg = filed.AddDays(-(5 + r.IntN(170)))
				if r.Float64() < 0.45 {
					km = r.IntN(95)
				} else {
					km = 300 + r.IntN(9000)
				}
			} else {
				reg = filed.AddDays(-(181 + r.IntN(1400)))
				km = 8000 + r.IntN(140000)
			}
			serial++
			ms := models[m.wmi]
			h := sqlstore.HistoryApplication{ExporterID: exporterIDs[ei], ManufacturerID: makerIDs[mi], AuthorityID: auth.OrgID,
				VIN: historyVIN(m.wmi, serial), Brand: m.brand, Model: ms[r.IntN(len(ms))],
				Destination: historyDests[weighted(r, historyDestWeights)], Registered: reg, Filed: filed, MileageKM: &km}
			ready := filed // the day the file is complete
			if nearNew {
				h.Letter = true
				hours := m.medianHours/3 + r.IntN(m.medianHours*2)
				if r.IntN(10) == 0 {
					hours += 72 + r.IntN(240) // the slow tail
				}
				h.AnsweredAfter = time.Duration(hours) * time.Hour
				refuse := m.refuseOther
				if e.small {
					refuse = m.refuseSmall
				}
				answered := filed.AddDays(hours/24 + 1)
				switch {
				case !answered.Before(today) || today.Sub(filed) <= 3 && r.IntN(2) == 0:
					h.LetterState, h.AnsweredAfter = ucx.ConfirmationPending, 0
					h.State = ucx.StateAwaitingConfirmation
					apps = append(apps, h)
					continue
				case r.Float64() < refuse:
					h.LetterState, h.State = ucx.ConfirmationRefused, ucx.StateRefused
					apps = append(apps, h)
					continue
				}
				h.LetterState = ucx.ConfirmationApproved
				ready = answered
			}
			decided := ready.AddDays(1 + r.IntN(5))
			switch {
			case !decided.Before(today):
				h.State = ucx.StateUnderReview
			case r.IntN(100) < 6:
				h.State = ucx.StateRefused
			default:
				h.State, h.LicensedOn = ucx.StateLicensed, decided
				if today.Sub(decided) > 30 {
					h.State = ucx.StateCleared
				}
			}
			apps = append(apps, h)
		}
	}
	if err := db.LoadHistory(ctx, apps, 2000); err != nil {
		return 0, fmt.Errorf("demo: history: %w", err)
	}

	// Credit events: one small exporter filed wrong data three times in
	// the last quarter (R6 names it); another was found to have given
	// false information, and appealed.
	events := []struct {
		exporter int
		code     string
		daysAgo  int
		evidence string
	}{
		{4, ucx.CodeWrongFiling, 80, "登记证书品牌与申报不一致 / brand differs from the registration certificate"},
		{4, ucx.CodeWrongFiling, 45, "里程与登记证书记载不符 / mileage differs from the certificate"},
		{4, ucx.CodeWrongFiling, 12, "车辆识别代号校验位错误 / VIN check digit wrong"},
		{3, "false_information", 60, "出口合同日期倒签 / backdated export contract"},
		{1, ucx.CodeWrongFiling, 150, "注册日期填写错误 / registration date mistyped"},
	}
	for _, ev := range events {
		e := &ucx.CreditEvent{ExporterID: exporterIDs[ev.exporter], Code: ev.code, OccurredOn: today.AddDays(-ev.daysAgo), Evidence: ev.evidence}
		if err := db.RecordCreditEvent(ctx, auth, e); err != nil {
			return 0, fmt.Errorf("demo: credit event: %w", err)
		}
	}
	return len(apps), nil
}

// sqrtish bends a uniform draw so later days are a little likelier: the
// market grew through the year.
func sqrtish(x float64) float64 { return x * (0.7 + 0.3*x) }

// historyVIN makes a VIN under wmi with a correct check digit, unique per
// serial and unlike the seeded applications' random ones.
func historyVIN(wmi string, serial int) string {
	v := fmt.Sprintf("%sHSTRY0RH%06d", wmi, serial)
	if d, ok := vin.CheckDigit(v); ok {
		return v[:8] + string(d) + v[9:]
	}
	return v
}
