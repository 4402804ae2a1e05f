package ucx

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// SameLegalName reports whether a and b are the same organisation name as
// written on a certificate and on a filing: equal once full-width forms are
// folded to their narrow ones (（） and (), Ａ and A) and runs of white
// space, the ideographic space included, are one space, with none at the
// ends. Nothing else is forgiven: a legal name is exact (R10).
func SameLegalName(a, b string) bool {
	return foldName(a) == foldName(b)
}

func foldName(s string) string {
	return strings.Join(strings.FieldsFunc(width.Narrow.String(s), unicode.IsSpace), " ")
}

// CertificateOwnerProblem is the R10 check of an application's certificate
// owner against the legal name of the exporter filing it: after the
// transfer for export (转让登记待出口, R13) the registration certificate
// names the exporter as the vehicle's owner, and only the exporter itself
// applies for the licence (谁出口谁申领). It returns "" when the owner is
// given and is exporterName (SameLegalName), and when it is not given:
// applications filed before the field existed lack it, and the authority
// reads the certificate scan. Otherwise it returns the problem in words,
// naming both names and the fix. The store checks it at filing
// (CertificateOwnerError) and again at issue.
func CertificateOwnerProblem(in *ApplicationInput, exporterName string) string {
	if in == nil {
		return ""
	}
	owner := trimSpace(in.Certificate.Owner)
	if owner == "" || SameLegalName(owner, exporterName) {
		return ""
	}
	return "R10: the registration certificate's owner (机动车所有人) is " + quote(owner) +
		", not the exporter filing, " + quote(trimSpace(exporterName)) +
		": after the transfer for export (R13) the certificate must name the exporter, which alone applies for the licence (谁出口谁申领); " +
		"give the owner exactly as printed on the certificate, and have the vehicle transferred to " + quote(trimSpace(exporterName)) +
		" first if it is not yet, or let the owner file"
}

// CertificateOwnerError is CertificateOwnerProblem as the error a filing is
// refused with: EINVALID naming certificate.owner, or nil.
func CertificateOwnerError(in *ApplicationInput, exporterName string) error {
	if p := CertificateOwnerProblem(in, exporterName); p != "" {
		return FieldErrorf(EINVALID, "certificate.owner", "%s", p)
	}
	return nil
}
