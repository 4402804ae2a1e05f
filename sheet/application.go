package sheet

import (
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
)

// The columns a bulk filing reads beyond those of `ucx check`: the
// application's own fields. They are found by header name like the
// others, through Row.Value.
const (
	ColBuyer            = "buyer"
	ColContractNumber   = "contract_number"
	ColContractNo       = "contract_no" // the short form exporters' sheets use
	ColEnergyType       = "energy_type"
	ColBatteryKWh       = "battery_kwh"
	ColAnnouncementCode = "announcement_model_code"
	ColEngineOrMotor    = "engine_or_motor"
	ColColour           = "colour"
	ColSeats            = "seats"
	ColManufactureDate  = "manufacture_date"
	ColEmissionStandard = "emission_standard"
	// ColCertOwner is the owner (机动车所有人) the registration
	// certificate prints: after the transfer for export it must be the
	// exporter filing (R10).
	ColCertOwner = "cert_owner"
	// ColSubmit, yes on a row, submits its application at once, as
	// ApplicationInput.Submit does; otherwise the row is filed as a draft
	// for the exporter to review and submit.
	ColSubmit = "submit"
	// ColBatch names the shipment a row belongs to (一批一证, R4): rows
	// of one batch, and of one export contract, are filed as one
	// shipment of at most the policy's limit of vehicles. Without it, rows
	// are grouped by their contract number.
	ColBatch = "batch"
)

// Application builds the export-licence application a row describes: the
// vehicle as read (Row.Vehicle) and the filing columns it leaves to
// Row.Value. A filing value that cannot be read (battery capacity, seats,
// manufacture date) is EINVALID naming the ApplicationInput field;
// ApplicationColumn turns it back into the file's column. The result is
// not checked further: that is the store's ApplicationInput.Validate.
func (r *Row) Application() (*ucx.ApplicationInput, error) {
	v := &r.Vehicle
	val := func(name string) string {
		s, _ := r.Value(name)
		return strings.TrimSpace(s)
	}
	in := &ucx.ApplicationInput{
		Vehicle: ucx.VehicleDetails{
			VIN: v.VIN, Brand: v.Brand, Model: v.Model,
			AnnouncementCode: val(ColAnnouncementCode),
			Energy:           ucx.EnergyType(strings.ToLower(val(ColEnergyType))),
			EngineOrMotor:    val(ColEngineOrMotor),
			Colour:           val(ColColour),
			EmissionStandard: val(ColEmissionStandard),
			RegistrationDate: v.RegistrationDate,
			TransferDate:     v.TransferDate,
			Modified:         v.Modified == ucx.Yes,
		},
		Certificate: ucx.CertificateValues{Brand: v.Certificate.Brand, Model: v.Certificate.Model,
			RegistrationDate: v.Certificate.RegistrationDate, TransferDate: v.Certificate.TransferDate,
			Owner: val(ColCertOwner)},
		Destination:    v.Destination,
		Buyer:          val(ColBuyer),
		ContractNumber: val(ColContractNumber),
	}
	if m := v.Modification; m != (ucx.Modification{}) {
		in.Modification = &ucx.ModificationEvidence{ChassisBrand: m.ChassisBrand, ModifiedBrand: m.ModifiedBrand,
			Genuine: ucx.PtrOfFact(m.Genuine), MIITCatalogue: ucx.PtrOfFact(m.MIITCatalogue), CCC: ucx.PtrOfFact(m.CCC)}
	}
	if len(v.Bans) > 0 {
		in.BannedCases = append([]string(nil), v.Bans...)
	}
	if in.ContractNumber == "" {
		in.ContractNumber = val(ColContractNo)
	}
	if v.HasMileage {
		m := v.MileageKM
		in.Vehicle.MileageKM = &m
	}
	// inspection_report holds the report's reference, or yes/no.
	if rep := val(ColInspectionReport); rep != "" {
		if f, ok := ParseFact(rep); !ok || f == ucx.Yes {
			in.InspectionReport = rep
		}
	}
	if s := val(ColBatteryKWh); s != "" {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, ucx.FieldErrorf(ucx.EINVALID, "vehicle.battery_kwh", "cannot read %q as a battery capacity; write the kWh as a number, e.g. 60.5", s)
		}
		in.Vehicle.BatteryKWh = x
	}
	if s := val(ColSeats); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, ucx.FieldErrorf(ucx.EINVALID, "vehicle.seats", "cannot read %q as a number of seats; write a whole number, e.g. 5", s)
		}
		in.Vehicle.Seats = n
	}
	if s := val(ColManufactureDate); s != "" {
		d, err := ucx.ParseDate(s)
		if err != nil {
			// A workbook's date cell holds its serial number.
			xd, ok := cellDate(s, r.date1904)
			if !r.xlsx || !ok {
				return nil, ucx.FieldErrorf(ucx.EINVALID, "vehicle.manufacture_date", "%s", ucx.ErrorMessage(err))
			}
			d = xd
		}
		in.Vehicle.ManufactureDate = d
	}
	return in, nil
}

// ApplicationColumn names the column of an ApplicationInput field
// ("vehicle.seats" → seats), so that a rejected row's reason points into
// the user's file.
func ApplicationColumn(field string) string {
	switch field {
	case "vehicle.vin":
		return ColVIN
	case "destination", "buyer", "contract_number", "inspection_report", "banned_cases":
		return field
	case "modification.chassis_brand":
		return ColChassisBrand
	case "certificate.owner":
		return ColCertOwner
	case "modification.modified_brand", "modification.modified_model":
		return ColModifiedBrand
	}
	if after, ok := strings.CutPrefix(field, "vehicle."); ok {
		return after
	}
	return field
}
