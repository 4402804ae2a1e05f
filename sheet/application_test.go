package sheet

import (
	"testing"

	"github.com/ucxdev/ucx"
)

// A row's filing columns become the application's fields; one that
// cannot be read is EINVALID naming the field, which ApplicationColumn
// turns back into the file's column.
func TestRow_Application(t *testing.T) {
	const header = "vin,brand,model,registration_date,transfer_date,destination,buyer,contract_no,energy_type,battery_kwh,seats,manufacture_date,inspection_report,mileage_km\n"
	for _, c := range []struct {
		name, row string
		check     func(t *testing.T, in *ucx.ApplicationInput)
		field     string // the column the error names, when the row cannot be read
	}{
		{name: "every filing column read",
			row: vinA + ",BYD,Seal,2026-01-02,2026-02-01,ru,ООО Авто,C-1,Battery_Electric,82.5,5,2025-12-01,CMA-77,1200\n",
			check: func(t *testing.T, in *ucx.ApplicationInput) {
				v := in.Vehicle
				if v.VIN != vinA || v.Brand != "BYD" || in.Buyer != "ООО Авто" || in.ContractNumber != "C-1" || in.Destination != "RU" ||
					v.Energy != ucx.EnergyElectric || v.BatteryKWh != 82.5 || v.Seats != 5 || v.ManufactureDate != ucx.MustDate(2025, 12, 1) ||
					in.InspectionReport != "CMA-77" || v.MileageKM == nil || *v.MileageKM != 1200 {
					t.Errorf("got %+v", in)
				}
			}},
		{name: "inspection no is no reference",
			row: vinA + ",BYD,Seal,2026-01-02,2026-02-01,RU,,,,,,,no,\n",
			check: func(t *testing.T, in *ucx.ApplicationInput) {
				if in.InspectionReport != "" || in.Vehicle.MileageKM != nil {
					t.Errorf("got report %q, mileage %v", in.InspectionReport, in.Vehicle.MileageKM)
				}
			}},
		{name: "battery not a number", row: vinA + ",BYD,Seal,2026-01-02,2026-02-01,RU,,,,lots,,,,\n", field: ColBatteryKWh},
		{name: "seats not a number", row: vinA + ",BYD,Seal,2026-01-02,2026-02-01,RU,,,,,five,,,\n", field: ColSeats},
		{name: "manufacture date unreadable", row: vinA + ",BYD,Seal,2026-01-02,2026-02-01,RU,,,,,,yesterday,,\n", field: ColManufactureDate},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows := readAll(t, header+c.row, CSV)
			if len(rows) != 1 {
				t.Fatalf("%d rows", len(rows))
			}
			in, err := rows[0].Application()
			if c.field != "" {
				if ucx.ErrorCode(err) != ucx.EINVALID || ApplicationColumn(ucx.ErrorField(err)) != c.field {
					t.Fatalf("err = %v (field %q), want EINVALID naming %s", err, ucx.ErrorField(err), c.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, in)
		})
	}
}
