package policy

import (
	"testing"

	"github.com/ucxdev/ucx"
)

// The batch checker decides a million vehicles a run with one Decision per
// worker; these benchmarks measure that loop's body.

func benchDecide(b *testing.B, v *ucx.Vehicle, want ucx.Outcome, reasons int) {
	p := Default()
	var d ucx.Decision
	p.Decide(v, &d)
	if d.Outcome != want || len(d.Reasons) != reasons {
		b.Fatalf("benchmark vehicle decided %s with %v; want %s with %d reasons", d.Outcome, codes(&d), want, reasons)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Decide(v, &d)
	}
}

// A car past 180 days to a destination without advisories: no reasons.
func BenchmarkDecideClear(b *testing.B) {
	benchDecide(b, car("2025-03-01", "2026-02-01"), ucx.Clear, 0)
}

// A near-new car: R1 requires a letter.
func BenchmarkDecideLetterRequired(b *testing.B) {
	benchDecide(b, car("2026-01-01", "2026-02-01"), ucx.LetterRequired, 1)
}

// A near-new car for Russia, whose entry-standard advisory is a CEL rule.
func BenchmarkDecideWithAdvisory(b *testing.B) {
	v := car("2026-01-01", "2026-02-01")
	v.Destination = "RU"
	benchDecide(b, v, ucx.LetterRequired, 2)
}

// A five-year-old car for the UAE: the age advisory reads a variable.
func BenchmarkDecideWithAgeAdvisory(b *testing.B) {
	v := car("2021-01-01", "2026-02-01")
	v.Destination = "AE"
	benchDecide(b, v, ucx.Clear, 1)
}

// Everything a full application carries: certificate (R5), transfer date
// (R7), mileage, a modification (R9) and inspection, all in order.
func BenchmarkDecideFullVehicle(b *testing.B) {
	v := car("2026-01-01", "2026-02-01")
	v.TransferDate = date("2026-01-20")
	v.Certificate = ucx.Certificate{Brand: v.Brand, Model: v.Model, RegistrationDate: v.RegistrationDate, TransferDate: v.TransferDate}
	v.MileageKM, v.HasMileage = 3500, true
	v.Modified = ucx.Yes
	v.Modification = ucx.Modification{ChassisBrand: "Foton", ModifiedBrand: "Zhongtong", Genuine: ucx.Yes, MIITCatalogue: ucx.Yes, CCC: ucx.Yes}
	v.Destination = "RU"
	benchDecide(b, v, ucx.LetterRequired, 2)
}

// Several goroutines sharing the policy, a Decision each, across a mix of
// destinations, as the batch checker's workers do.
func BenchmarkDecideParallel(b *testing.B) {
	p := Default()
	vs := []*ucx.Vehicle{car("2025-03-01", "2026-02-01"), car("2026-01-01", "2026-02-01"), car("2021-01-01", "2026-02-01"), car("2026-01-01", "2026-03-01")}
	vs[2].Destination, vs[3].Destination = "AE", "RU"
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var d ucx.Decision
		i := 0
		for pb.Next() {
			p.Decide(vs[i%len(vs)], &d)
			i++
		}
	})
}

// Load is not on the hot path, but a server reloading policies should know
// its cost: parsing, checking and compiling the default document's rules.
func BenchmarkLoadDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(defaultDocument); err != nil {
			b.Fatal(err)
		}
	}
}
