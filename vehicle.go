package ucx

// Fact is a yes/no statement an exporter may or may not have made. The
// policy must tell "declared no" from "not said": R9 blocks a modified car
// whose CCC certificate is declared missing, but only reminds the exporter
// when nothing was declared.
type Fact int8

// The three states of a Fact.
const (
	Unknown Fact = iota // not declared
	Yes
	No
)

// String returns "", "yes" or "no".
func (f Fact) String() string {
	switch f {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return ""
}

// FactOf returns Yes or No for b.
func FactOf(b bool) Fact {
	if b {
		return Yes
	}
	return No
}

// Certificate holds the values printed on the vehicle's registration
// certificate (机动车登记证书). R5 requires the application's brand, model,
// registration date and transfer-pending-export date to equal them exactly.
// A zero field was not supplied and is not compared.
type Certificate struct {
	Brand            string
	Model            string
	RegistrationDate Date
	TransferDate     Date
}

// Supplied reports whether any certificate value was given, i.e. whether R5
// can be checked at all.
func (c *Certificate) Supplied() bool {
	return c.Brand != "" || c.Model != "" || !c.RegistrationDate.IsZero() || !c.TransferDate.IsZero()
}

// Modification is the evidence R9 asks of a vehicle exported as modified
// (改装车): the chassis brand, the modified brand and model, proof that the
// modification is genuine, its MIIT catalogue listing and a CCC certificate.
type Modification struct {
	ChassisBrand  string
	ModifiedBrand string
	Genuine       Fact // proof that the modification is genuine was supplied
	MIITCatalogue Fact // the product is listed in the MIIT catalogue
	CCC           Fact // a valid CCC certificate exists
}

// Vehicle is everything the policy needs to know about one car on one
// application: the facts an exporter declares, as the batch checker and the
// platform both supply them. VIN, brand and model are expected normalised
// (trimmed; VIN upper-cased).
type Vehicle struct {
	VIN              string
	Brand            string
	Model            string
	RegistrationDate Date   // 注册登记日期 on the certificate (R1)
	TransferDate     Date   // 转让登记待出口日期, transfer registration pending export (R5, R7)
	ApplicationDate  Date   // the export-licence application date (R1)
	Destination      string // ISO 3166-1 alpha-2, upper case
	Modified         Fact   // exported as a modified vehicle (R9)
	MileageKM        int    // odometer reading; meaningful only when HasMileage
	HasMileage       bool
	Certificate      Certificate  // the certificate's own values, for R5
	Modification     Modification // R9 evidence
	Inspection       Fact         // a CMA/CNAS inspection report is held (R12)
	Bans             []string     // banned cases the exporter declares (R11 codes)
}
