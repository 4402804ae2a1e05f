package ucx_test

import (
	"testing"

	"github.com/ucxdev/ucx"
)

func TestDecisionAdd_FollowsPrecedence(t *testing.T) {
	cases := []struct {
		name string
		sevs []ucx.Severity
		want ucx.Outcome
	}{
		{"nothing", nil, ucx.Clear},
		{"a note changes nothing", []ucx.Severity{ucx.Note}, ucx.Clear},
		{"letter", []ucx.Severity{ucx.Note, ucx.Require}, ucx.LetterRequired},
		{"block beats letter", []ucx.Severity{ucx.Require, ucx.Block}, ucx.Blocked},
		{"invalid beats block, in any order", []ucx.Severity{ucx.Reject, ucx.Block, ucx.Require}, ucx.Invalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d ucx.Decision
			for _, s := range c.sevs {
				d.Add(ucx.Reason{Severity: s})
			}
			if d.Outcome != c.want || len(d.Reasons) != len(c.sevs) {
				t.Fatalf("outcome %v with %d reasons, want %v with %d", d.Outcome, len(d.Reasons), c.want, len(c.sevs))
			}
			d.Reset()
			if d.Outcome != ucx.Clear || len(d.Reasons) != 0 {
				t.Fatalf("Reset left %v, %d reasons", d.Outcome, len(d.Reasons))
			}
		})
	}
}

func TestOutcome_NamesRoundTrip(t *testing.T) {
	for _, o := range []ucx.Outcome{ucx.Clear, ucx.LetterRequired, ucx.Blocked, ucx.Invalid} {
		var back ucx.Outcome
		if err := back.UnmarshalText([]byte(o.String())); err != nil || back != o {
			t.Errorf("%v does not round-trip: %v, %v", o, back, err)
		}
	}
	var o ucx.Outcome
	if err := o.UnmarshalText([]byte("maybe")); ucx.ErrorCode(err) != ucx.EINVALID {
		t.Errorf("unknown outcome: %v", err)
	}
}

func TestErrorMessage_HidesInternals(t *testing.T) {
	internal := ucx.Internal("sqlstore.X", errString("pq: relation \"secret_table\" does not exist"))
	if got := ucx.ErrorMessage(internal); got != "Internal error." {
		t.Fatalf("internal error message leaks: %q", got)
	}
	if got := ucx.ErrorMessage(errString("raw")); got != "Internal error." {
		t.Fatalf("foreign error message leaks: %q", got)
	}
	fe := ucx.FieldErrorf(ucx.EINVALID, "vehicle.vin", "the VIN is required")
	if ucx.ErrorCode(fe) != ucx.EINVALID || ucx.ErrorField(fe) != "vehicle.vin" || ucx.ErrorMessage(fe) != "the VIN is required" {
		t.Fatalf("field error: %q %q %q", ucx.ErrorCode(fe), ucx.ErrorField(fe), ucx.ErrorMessage(fe))
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestValidCountry(t *testing.T) {
	for _, c := range []string{"RU", "KZ", "AE", "UZ", "DZ", "KE", "CN"} {
		if !ucx.ValidCountry(c) {
			t.Errorf("%s refused", c)
		}
	}
	for _, c := range []string{"", "ru", "XX", "RUS", "R", "ZZ", "UK"} {
		if ucx.ValidCountry(c) {
			t.Errorf("%q accepted", c)
		}
	}
}

func TestApplicationInputValidate_NamesTheField(t *testing.T) {
	good := func() ucx.ApplicationInput {
		return ucx.ApplicationInput{
			Vehicle: ucx.VehicleDetails{VIN: "LGXC16DF4R0000001", Brand: "BYD", Model: "Seal", Energy: ucx.EnergyElectric, BatteryKWh: 82.5,
				RegistrationDate: ucx.MustDate(2026, 3, 1), TransferDate: ucx.MustDate(2026, 4, 1)},
			Destination: "RU",
		}
	}
	g := good()
	if err := g.Validate(); err != nil {
		t.Fatalf("valid input refused: %v", err)
	}
	cases := []struct {
		field string
		edit  func(*ucx.ApplicationInput)
	}{
		{"vehicle.vin", func(in *ucx.ApplicationInput) { in.Vehicle.VIN = "" }},
		{"vehicle.brand", func(in *ucx.ApplicationInput) { in.Vehicle.Brand = "" }},
		{"vehicle.battery_kwh", func(in *ucx.ApplicationInput) { in.Vehicle.BatteryKWh = 0 }},
		{"vehicle.energy_type", func(in *ucx.ApplicationInput) { in.Vehicle.Energy = "steam" }},
		{"vehicle.registration_date", func(in *ucx.ApplicationInput) { in.Vehicle.RegistrationDate = ucx.Date{} }},
		{"vehicle.transfer_date", func(in *ucx.ApplicationInput) { in.Vehicle.TransferDate = ucx.Date{} }},
		{"destination", func(in *ucx.ApplicationInput) { in.Destination = "Russia" }},
		{"destination", func(in *ucx.ApplicationInput) { in.Destination = "CN" }},
		{"buyer", func(in *ucx.ApplicationInput) { in.Buyer = "OOO\x00Avto" }},
		{"certificate.model", func(in *ucx.ApplicationInput) { in.Certificate.Model = "\xc9\xfa" }}, // GBK bytes
	}
	for _, c := range cases {
		in := good()
		c.edit(&in)
		err := in.Validate()
		if ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorField(err) != c.field {
			t.Errorf("want EINVALID on %s, got %v (field %q)", c.field, err, ucx.ErrorField(err))
		}
	}
}
