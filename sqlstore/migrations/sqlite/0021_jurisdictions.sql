-- 0021: jurisdictions (R14).
--
-- An authority serves a jurisdiction (a province, one of the 8 cities that
-- issue licences themselves, or MOFCOM's Quota and Licence Bureau) and
-- sees and decides only the applications of exporters of the same
-- jurisdiction. orgs.jurisdiction is the canonical name
-- (ucx.Org.Jurisdiction) written with the organisation, compared by the
-- access scope; '' is none (other kinds, or an unknown region). central
-- marks an exporter that is a central enterprise based in Beijing, under
-- the Bureau (1) rather than Beijing's department.
--
-- Existing authorities and exporters get the jurisdiction their region
-- names (short or full Chinese name, or English); a region that names
-- none is left as it is, with no jurisdiction: such an authority is told
-- to have the operator set it (PUT /api/v1/orgs/{id}/region), and such an
-- exporter's applications reach no authority until it is set. No region is
-- guessed: a nationwide authority does not exist under R14.
ALTER TABLE orgs ADD COLUMN central INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orgs ADD COLUMN jurisdiction TEXT NOT NULL DEFAULT '';
UPDATE orgs SET jurisdiction = CASE
	WHEN region IN ('北京', '北京市') OR LOWER(region) = 'beijing' THEN '北京'
	WHEN region IN ('天津', '天津市') OR LOWER(region) = 'tianjin' THEN '天津'
	WHEN region IN ('河北', '河北省') OR LOWER(region) = 'hebei' THEN '河北'
	WHEN region IN ('山西', '山西省') OR LOWER(region) = 'shanxi' THEN '山西'
	WHEN region IN ('内蒙古', '内蒙古自治区') OR LOWER(region) = 'inner mongolia' THEN '内蒙古'
	WHEN region IN ('辽宁', '辽宁省') OR LOWER(region) = 'liaoning' THEN '辽宁'
	WHEN region IN ('吉林', '吉林省') OR LOWER(region) = 'jilin' THEN '吉林'
	WHEN region IN ('黑龙江', '黑龙江省') OR LOWER(region) = 'heilongjiang' THEN '黑龙江'
	WHEN region IN ('上海', '上海市') OR LOWER(region) = 'shanghai' THEN '上海'
	WHEN region IN ('江苏', '江苏省') OR LOWER(region) = 'jiangsu' THEN '江苏'
	WHEN region IN ('浙江', '浙江省') OR LOWER(region) = 'zhejiang' THEN '浙江'
	WHEN region IN ('安徽', '安徽省') OR LOWER(region) = 'anhui' THEN '安徽'
	WHEN region IN ('福建', '福建省') OR LOWER(region) = 'fujian' THEN '福建'
	WHEN region IN ('江西', '江西省') OR LOWER(region) = 'jiangxi' THEN '江西'
	WHEN region IN ('山东', '山东省') OR LOWER(region) = 'shandong' THEN '山东'
	WHEN region IN ('河南', '河南省') OR LOWER(region) = 'henan' THEN '河南'
	WHEN region IN ('湖北', '湖北省') OR LOWER(region) = 'hubei' THEN '湖北'
	WHEN region IN ('湖南', '湖南省') OR LOWER(region) = 'hunan' THEN '湖南'
	WHEN region IN ('广东', '广东省') OR LOWER(region) = 'guangdong' THEN '广东'
	WHEN region IN ('广西', '广西壮族自治区') OR LOWER(region) = 'guangxi' THEN '广西'
	WHEN region IN ('海南', '海南省') OR LOWER(region) = 'hainan' THEN '海南'
	WHEN region IN ('重庆', '重庆市') OR LOWER(region) = 'chongqing' THEN '重庆'
	WHEN region IN ('四川', '四川省') OR LOWER(region) = 'sichuan' THEN '四川'
	WHEN region IN ('贵州', '贵州省') OR LOWER(region) = 'guizhou' THEN '贵州'
	WHEN region IN ('云南', '云南省') OR LOWER(region) = 'yunnan' THEN '云南'
	WHEN region IN ('西藏', '西藏自治区') OR LOWER(region) = 'tibet' THEN '西藏'
	WHEN region IN ('陕西', '陕西省') OR LOWER(region) = 'shaanxi' THEN '陕西'
	WHEN region IN ('甘肃', '甘肃省') OR LOWER(region) = 'gansu' THEN '甘肃'
	WHEN region IN ('青海', '青海省') OR LOWER(region) = 'qinghai' THEN '青海'
	WHEN region IN ('宁夏', '宁夏回族自治区') OR LOWER(region) = 'ningxia' THEN '宁夏'
	WHEN region IN ('新疆', '新疆维吾尔自治区') OR LOWER(region) = 'xinjiang' THEN '新疆'
	WHEN region IN ('沈阳', '沈阳市') OR LOWER(region) = 'shenyang' THEN '沈阳'
	WHEN region IN ('长春', '长春市') OR LOWER(region) = 'changchun' THEN '长春'
	WHEN region IN ('哈尔滨', '哈尔滨市') OR LOWER(region) = 'harbin' THEN '哈尔滨'
	WHEN region IN ('南京', '南京市') OR LOWER(region) = 'nanjing' THEN '南京'
	WHEN region IN ('武汉', '武汉市') OR LOWER(region) = 'wuhan' THEN '武汉'
	WHEN region IN ('广州', '广州市') OR LOWER(region) = 'guangzhou' THEN '广州'
	WHEN region IN ('成都', '成都市') OR LOWER(region) = 'chengdu' THEN '成都'
	WHEN region IN ('西安', '西安市') OR LOWER(region) = 'xi''an' THEN '西安'
	WHEN (region IN ('许可证局', '商务部配额许可证事务局') OR LOWER(region) = 'mofcom quota and licence bureau') AND kind = 'authority' THEN '许可证局'
	ELSE '' END
WHERE kind IN ('authority', 'exporter');
CREATE INDEX orgs_jurisdiction ON orgs(jurisdiction, kind);
