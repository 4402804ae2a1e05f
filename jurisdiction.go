package ucx

import "strings"

// JurisdictionKind is the kind of issuing body R14 names: a provincial
// commerce department, the commerce department of one of 8 cities, or
// MOFCOM's Quota and Licence Bureau (许可证局) for centrally managed state
// enterprises.
type JurisdictionKind string

// The three kinds of issuing body (R14).
const (
	JurisdictionProvince JurisdictionKind = "province"
	JurisdictionCity     JurisdictionKind = "city"
	JurisdictionCentral  JurisdictionKind = "central"
)

// Bureau is the jurisdiction of MOFCOM's Quota and Licence Bureau
// (商务部配额许可证事务局), which issues for centrally managed state
// enterprises based in Beijing (R14). It is an authority's Region; an
// exporter is put under it by Org.Central, not by its Region.
const Bureau = "许可证局"

// Jurisdiction is one licence-issuing body's area under R14. Name is the
// canonical value stored in an organisation's Region (the short Chinese
// name: 广东, 广州, 许可证局); FullName and EN are accepted on input too.
type Jurisdiction struct {
	Name     string           `json:"name"`
	FullName string           `json:"full_name"`
	EN       string           `json:"en"`
	Kind     JurisdictionKind `json:"kind"`
	// Province is, for a city, the province it lies in.
	Province string `json:"province,omitempty"`
}

// Jurisdictions lists every issuing body's area R14 knows: the 31
// provincial-level divisions, the 8 cities whose commerce departments
// issue licences themselves (Shenyang, Changchun, Harbin, Nanjing, Wuhan,
// Guangzhou, Chengdu, Xi'an), and the Bureau.
//
// The cities are jurisdictions in their own right: an exporter registered
// in Guangzhou gives Region 广州 and falls under 广州市商务局 only, and
// 广东省商务厅 covers the exporters registered elsewhere in Guangdong
// (Region 广东). Every exporter thus has exactly one issuing body, and no
// two authorities can license the same exporter's cars.
var Jurisdictions = []Jurisdiction{
	{"北京", "北京市", "Beijing", JurisdictionProvince, ""},
	{"天津", "天津市", "Tianjin", JurisdictionProvince, ""},
	{"河北", "河北省", "Hebei", JurisdictionProvince, ""},
	{"山西", "山西省", "Shanxi", JurisdictionProvince, ""},
	{"内蒙古", "内蒙古自治区", "Inner Mongolia", JurisdictionProvince, ""},
	{"辽宁", "辽宁省", "Liaoning", JurisdictionProvince, ""},
	{"吉林", "吉林省", "Jilin", JurisdictionProvince, ""},
	{"黑龙江", "黑龙江省", "Heilongjiang", JurisdictionProvince, ""},
	{"上海", "上海市", "Shanghai", JurisdictionProvince, ""},
	{"江苏", "江苏省", "Jiangsu", JurisdictionProvince, ""},
	{"浙江", "浙江省", "Zhejiang", JurisdictionProvince, ""},
	{"安徽", "安徽省", "Anhui", JurisdictionProvince, ""},
	{"福建", "福建省", "Fujian", JurisdictionProvince, ""},
	{"江西", "江西省", "Jiangxi", JurisdictionProvince, ""},
	{"山东", "山东省", "Shandong", JurisdictionProvince, ""},
	{"河南", "河南省", "Henan", JurisdictionProvince, ""},
	{"湖北", "湖北省", "Hubei", JurisdictionProvince, ""},
	{"湖南", "湖南省", "Hunan", JurisdictionProvince, ""},
	{"广东", "广东省", "Guangdong", JurisdictionProvince, ""},
	{"广西", "广西壮族自治区", "Guangxi", JurisdictionProvince, ""},
	{"海南", "海南省", "Hainan", JurisdictionProvince, ""},
	{"重庆", "重庆市", "Chongqing", JurisdictionProvince, ""},
	{"四川", "四川省", "Sichuan", JurisdictionProvince, ""},
	{"贵州", "贵州省", "Guizhou", JurisdictionProvince, ""},
	{"云南", "云南省", "Yunnan", JurisdictionProvince, ""},
	{"西藏", "西藏自治区", "Tibet", JurisdictionProvince, ""},
	{"陕西", "陕西省", "Shaanxi", JurisdictionProvince, ""},
	{"甘肃", "甘肃省", "Gansu", JurisdictionProvince, ""},
	{"青海", "青海省", "Qinghai", JurisdictionProvince, ""},
	{"宁夏", "宁夏回族自治区", "Ningxia", JurisdictionProvince, ""},
	{"新疆", "新疆维吾尔自治区", "Xinjiang", JurisdictionProvince, ""},
	{"沈阳", "沈阳市", "Shenyang", JurisdictionCity, "辽宁"},
	{"长春", "长春市", "Changchun", JurisdictionCity, "吉林"},
	{"哈尔滨", "哈尔滨市", "Harbin", JurisdictionCity, "黑龙江"},
	{"南京", "南京市", "Nanjing", JurisdictionCity, "江苏"},
	{"武汉", "武汉市", "Wuhan", JurisdictionCity, "湖北"},
	{"广州", "广州市", "Guangzhou", JurisdictionCity, "广东"},
	{"成都", "成都市", "Chengdu", JurisdictionCity, "四川"},
	{"西安", "西安市", "Xi'an", JurisdictionCity, "陕西"},
	{Bureau, "商务部配额许可证事务局", "MOFCOM Quota and Licence Bureau", JurisdictionCentral, ""},
}

// LookupJurisdiction finds the jurisdiction s names: its canonical Name,
// its FullName or its English name (any case, surrounding spaces ignored).
func LookupJurisdiction(s string) (Jurisdiction, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Jurisdiction{}, false
	}
	for _, j := range Jurisdictions {
		if s == j.Name || s == j.FullName || strings.EqualFold(s, j.EN) {
			return j, true
		}
	}
	return Jurisdiction{}, false
}

// Jurisdiction is the issuing body's area the organisation belongs to
// under R14, "" when it has none:
//   - an authority: its Region, the area it serves;
//   - an exporter: Bureau when it is a central enterprise (Central), else
//     its Region, where it is registered (a city of the 8 is its own
//     area, see Jurisdictions);
//   - any other kind: none, R14 does not concern it.
//
// The result is the canonical Name; an unknown Region gives "".
func (o *Org) Jurisdiction() string {
	switch o.Kind {
	case KindExporter:
		if o.Central {
			return Bureau
		}
	case KindAuthority:
	default:
		return ""
	}
	j, ok := LookupJurisdiction(o.Region)
	if !ok || o.Kind == KindExporter && j.Kind == JurisdictionCentral {
		return ""
	}
	return j.Name
}

// validateJurisdiction checks R14's fields (Region, Central) of an
// authority or an exporter.
func (o *Org) validateJurisdiction() error {
	if o.Central && o.Kind != KindExporter {
		return FieldErrorf(EINVALID, "central", "only an exporter is a central enterprise (R14); remove central")
	}
	if o.Kind != KindAuthority && o.Kind != KindExporter {
		return nil
	}
	j, ok := LookupJurisdiction(o.Region)
	authority := o.Kind == KindAuthority
	switch {
	case strings.TrimSpace(o.Region) == "" && authority:
		return FieldErrorf(EINVALID, "region", "an authority's jurisdiction is required: a province (广东, 广东省 or Guangdong), one of the 8 cities that issue themselves (沈阳 长春 哈尔滨 南京 武汉 广州 成都 西安) or 许可证局 (R14)")
	case strings.TrimSpace(o.Region) == "":
		return FieldErrorf(EINVALID, "region", "the exporter's place of registration is required, as the jurisdiction whose authority issues its licences: a province (广东, 广东省 or Guangdong) or, for an exporter registered there, one of the 8 cities that issue themselves (沈阳 长春 哈尔滨 南京 武汉 广州 成都 西安); a central enterprise based in Beijing gives 北京 and central (R14)")
	case !ok && authority:
		return FieldErrorf(EINVALID, "region", "%q is not a jurisdiction; give a province (广东, 广东省 or Guangdong), one of the 8 cities that issue themselves (沈阳 长春 哈尔滨 南京 武汉 广州 成都 西安) or 许可证局 (R14)", o.Region)
	case !ok:
		return FieldErrorf(EINVALID, "region", "%q is not a jurisdiction; give a province (广东, 广东省 or Guangdong) or, for an exporter registered there, one of the 8 cities that issue themselves (沈阳 长春 哈尔滨 南京 武汉 广州 成都 西安); a central enterprise based in Beijing gives 北京 and central (R14)", o.Region)
	case o.Kind == KindExporter && j.Kind == JurisdictionCentral:
		return FieldErrorf(EINVALID, "region", "an exporter is registered in a province or city; a central enterprise gives region 北京 and central true (R14)")
	case o.Central && j.Name != "北京":
		return FieldErrorf(EINVALID, "central", "the Bureau issues for central enterprises based in Beijing (R14); a central enterprise registered in %s files with its local authority: remove central, or give region 北京", j.Name)
	}
	return nil
}

// NormalizeRegion sets an authority's or an exporter's Region to its
// jurisdiction's canonical Name (广东省 and Guangdong become 广东), so that
// an authority and its exporters compare equal however they were typed
// (R14). Other kinds' regions, and unknown ones, are left for Validate.
func (o *Org) NormalizeRegion() {
	if o.Kind != KindAuthority && o.Kind != KindExporter {
		return
	}
	if j, ok := LookupJurisdiction(o.Region); ok {
		o.Region = j.Name
	}
}
