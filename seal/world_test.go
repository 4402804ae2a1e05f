package seal

import (
	"fmt"
	"testing"
	"time"
)

// testLicence is shaped like the export licence of DESIGN.md (R4, R5,
// R14): number, exporter, authority, destination, a schedule of vehicles,
// the confirmations it relies on. Its fields are declared in canonical
// order, as every sealed document type's must be.
type testLicence struct {
	Authority     testParty     `json:"authority"`
	Confirmations []string      `json:"confirmations"`
	Destination   string        `json:"destination"`
	Exporter      testParty     `json:"exporter"`
	IssuedOn      string        `json:"issued_on"`
	Number        string        `json:"number"`
	Schedule      []testVehicle `json:"schedule"`
	Type          string        `json:"type"`
	ValidUntil    string        `json:"valid_until"`
}

type testParty struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Region string `json:"region"`
}

type testVehicle struct {
	Brand            string `json:"brand"`
	MileageKM        int    `json:"mileage_km"`
	Model            string `json:"model"`
	RegistrationDate string `json:"registration_date"`
	TransferDate     string `json:"transfer_date"`
	VIN              string `json:"vin"`
}

// sampleLicence returns a licence of about 2 KB with n vehicles.
func sampleLicence(n int) *testLicence {
	l := &testLicence{
		Authority:     testParty{ID: "auth-gd", Name: "广东省商务厅", Region: "广东省"},
		Confirmations: []string{DigestOf([]byte("confirmation 1")).String(), DigestOf([]byte("confirmation 2")).String()},
		Destination:   "KZ",
		Exporter:      testParty{ID: "exp-91440300MA5F", Name: "深圳市前海二手车出口贸易有限公司", Region: "深圳市"},
		IssuedOn:      "2026-03-01",
		Number:        "26-GD-ESC-000123",
		Type:          "ucx.licence/v1",
		ValidUntil:    "2026-08-31",
	}
	for i := range n {
		l.Schedule = append(l.Schedule, testVehicle{
			Brand:            "比亚迪",
			MileageKM:        1200 + 37*i,
			Model:            "BYD7005BEV 宋PLUS EV",
			RegistrationDate: "2025-11-0" + fmt.Sprint(1+i%9),
			TransferDate:     "2026-02-1" + fmt.Sprint(i%9),
			VIN:              fmt.Sprintf("LGXCE4CB%dN00%04d", i%10, 1000+i),
		})
	}
	return l
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	t0        = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC) // "now" in the tests
	tRevoked  = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) // when the Chery key was revoked
	tRotation = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // when BYD rotated its key
)

// world is a platform in miniature: a root, a trust list, and the keys on
// it with their stories.
type world struct {
	root     *PrivateKey
	byd      *PrivateKey // BYD's current key, Ed25519, valid from tRotation
	bydOld   *PrivateKey // BYD's previous key, expired at tRotation
	gd       *PrivateKey // Guangdong commerce department, SM2
	chery    *PrivateKey // revoked at tRevoked
	geely    *PrivateKey // valid only from 2027
	listFile []byte
	list     *TrustList
}

func mustKey(t testing.TB, alg Alg) *PrivateKey {
	t.Helper()
	k, err := GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{
		root:   mustKey(t, Ed25519),
		byd:    mustKey(t, Ed25519),
		bydOld: mustKey(t, Ed25519),
		gd:     mustKey(t, SM2),
		chery:  mustKey(t, SM2),
		geely:  mustKey(t, SM2),
	}
	byd := Org{ID: "mfr-byd", Kind: "manufacturer", Name: "比亚迪汽车工业有限公司"}
	year := func(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }
	chery := NewTrustedKey(w.chery.Public(), Org{ID: "mfr-chery", Kind: "manufacturer", Name: "奇瑞汽车股份有限公司"}, year(2025), year(2028))
	chery.RevokedAt, chery.RevokedReason = tRevoked, "key compromised"
	tl := &TrustList{
		IssuedAt: t0,
		Sequence: 7,
		Keys: []TrustedKey{
			NewTrustedKey(w.bydOld.Public(), byd, year(2025), tRotation),
			NewTrustedKey(w.byd.Public(), byd, tRotation, year(2027)),
			NewTrustedKey(w.gd.Public(), Org{ID: "auth-gd", Kind: "authority", Name: "广东省商务厅"}, year(2025), year(2028)),
			chery,
			NewTrustedKey(w.geely.Public(), Org{ID: "mfr-geely", Kind: "manufacturer", Name: "浙江吉利控股集团有限公司"}, year(2027), year(2028)),
		},
	}
	var err error
	if w.listFile, err = tl.Seal(w.root, t0); err != nil {
		t.Fatal(err)
	}
	if w.list, err = ParseTrustList(w.listFile, w.root.Public()); err != nil {
		t.Fatal(err)
	}
	return w
}

// seal returns the envelope of doc sealed by key for org at time at.
func seal(t testing.TB, doc []byte, key *PrivateKey, org string, at time.Time) []byte {
	t.Helper()
	env := &Envelope{Document: doc}
	if err := env.Sign(key, org, at); err != nil {
		t.Fatal(err)
	}
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// edit parses an envelope, applies f and writes it again.
func edit(t testing.TB, b []byte, f func(*Envelope)) []byte {
	t.Helper()
	env, err := ParseEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	f(env)
	out, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
