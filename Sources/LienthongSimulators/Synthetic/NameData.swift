/// Name and place tables of the synthetic population. All strings are NFC.
enum NameData {
    /// Family names with their approximate shares in percent (REFERENCE.md), Hoàng/Huỳnh and Vũ/Võ split the
    /// southern way; the remaining share goes to ``otherFamilyNames``.
    static let familyNames: [(String, Double)] = [
        ("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Huỳnh", 3.1), ("Hoàng", 2.0), ("Phan", 4.5),
        ("Võ", 2.6), ("Vũ", 1.3), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1),
        ("Lý", 0.5),
    ]

    /// Less common family names, drawn uniformly for the remaining share.
    static let otherFamilyNames = [
        "Trương", "Đinh", "Lâm", "Mai", "Đoàn", "Lưu", "Cao", "Tạ", "Châu", "Thái", "Kiều", "La", "Tô", "Quách",
        "Hà", "Lương", "Đào", "Tăng", "Triệu", "Văn", "Giang", "Từ", "Hứa", "Lạc",
    ]

    /// Family names used among Khmer, Châu Ro and S'tiêng people in the south-east, for the "other" share.
    static let minorityFamilyNames: [String: [String]] = [
        "Khmer": ["Thạch", "Danh", "Sơn", "Kim", "Lâm"],
        "Châu Ro": ["Điểu", "Thị", "Ka"],
        "S'tiêng": ["Điểu", "Thị", "Lâm"],
    ]

    /// Ethnicities with shares in percent (Đồng Nai: mostly Kinh, then Hoa, Khmer, Châu Ro, S'tiêng, Nùng, Tày).
    static let ethnicities: [(String, Double)] = [
        ("Kinh", 91.5), ("Hoa", 4.0), ("Khmer", 1.2), ("Châu Ro", 1.0), ("S'tiêng", 0.7), ("Nùng", 0.9), ("Tày", 0.7),
    ]

    static let maleMiddleNames: [(String, Double)] = [
        ("Văn", 30), ("Hữu", 6), ("Đức", 7), ("Minh", 10), ("Quốc", 6), ("Thanh", 6), ("Công", 5), ("Ngọc", 4),
        ("Xuân", 3), ("Hoàng", 5), ("Gia", 5), ("Anh", 4), ("Trung", 3), ("Tuấn", 3), ("Đình", 3), ("Nhật", 3),
    ]

    static let femaleMiddleNames: [(String, Double)] = [
        ("Thị", 40), ("Ngọc", 10), ("Thanh", 6), ("Thu", 5), ("Kim", 5), ("Phương", 4), ("Bảo", 4), ("Mỹ", 4),
        ("Hồng", 4), ("Minh", 4), ("Như", 3), ("Khánh", 3), ("Hoài", 3), ("Thuỳ", 3), ("Diệu", 2),
    ]

    /// Male given names; the `oa`/`oe`/`uy` clusters (Hoà, Hòa, Khoa, Thuỵ, Khoẻ, Hoàng, Toàn...) are weighted
    /// up so that tone-mark variants are common in test data. Both tone-mark styles occur, as in real registers.
    static let maleGivenNames: [(String, Double)] = [
        ("An", 3), ("Bình", 3), ("Cường", 3), ("Dũng", 3), ("Duy", 3), ("Đạt", 3), ("Hải", 3), ("Hiếu", 3),
        ("Hùng", 3), ("Huy", 3), ("Khang", 3), ("Khải", 2), ("Khánh", 3), ("Lâm", 2), ("Long", 3), ("Minh", 4),
        ("Nam", 4), ("Nghĩa", 2), ("Phát", 3), ("Phúc", 3), ("Phong", 3), ("Quân", 3), ("Quang", 3), ("Sơn", 3),
        ("Tài", 2), ("Thành", 3), ("Thắng", 2), ("Thuận", 2), ("Tiến", 2), ("Trí", 2), ("Trung", 3), ("Tuấn", 4),
        ("Việt", 2), ("Vinh", 2), ("Lộc", 2), ("Thịnh", 2), ("Kiên", 2),
        ("Hoà", 3), ("Hòa", 2), ("Hoàng", 3), ("Khoa", 3), ("Thuỵ", 1.5), ("Khoẻ", 1), ("Toàn", 2), ("Thoại", 1),
        ("Hoá", 1), ("Huỳnh", 1), ("Uy", 1),
    ]

    /// Female given names, same idea (Thuý, Thúy, Thuỷ, Hoà, Loan, Oanh, Uyên, Khuê...).
    static let femaleGivenNames: [(String, Double)] = [
        ("Anh", 3), ("Ánh", 2), ("Bích", 2), ("Châu", 2), ("Chi", 3), ("Diễm", 2), ("Dung", 3), ("Duyên", 2),
        ("Giang", 2), ("Hà", 3), ("Hạnh", 3), ("Hằng", 3), ("Hiền", 3), ("Hoa", 3), ("Huệ", 2), ("Hương", 4),
        ("Lan", 3), ("Linh", 4), ("Mai", 3), ("My", 3), ("Nga", 3), ("Ngân", 3), ("Ngọc", 3), ("Nhung", 2),
        ("Nhi", 3), ("Phương", 3), ("Quyên", 2), ("Tâm", 2), ("Thảo", 4), ("Thanh", 2), ("Thu", 2), ("Trang", 4),
        ("Trinh", 2), ("Tuyết", 2), ("Vy", 3), ("Xuân", 2), ("Yến", 3), ("Hồng", 2),
        ("Thuý", 3), ("Thúy", 2), ("Thuỷ", 2), ("Thủy", 1.5), ("Thuỳ", 1.5), ("Hoà", 2), ("Loan", 2), ("Oanh", 2),
        ("Uyên", 2), ("Khuê", 1), ("Khoa", 0.5), ("Hoè", 0.5), ("Xoan", 1),
    ]
}

/// Legacy (before 1 July 2025) districts and some wards/communes of Đồng Nai, for addresses.
enum DongNaiPlaces {
    /// The province's legacy name.
    static let province = "Tỉnh Đồng Nai"

    /// District → communes (wards, townships, communes), with a weight for the district's population.
    static let districts: [(district: String, weight: Double, communes: [String])] = [
        (
            "Thành phố Biên Hòa", 30,
            [
                "Phường Tân Phong", "Phường Tân Hiệp", "Phường Trảng Dài", "Phường Hố Nai", "Phường Tam Hiệp",
                "Phường Long Bình", "Phường Quyết Thắng", "Phường Thống Nhất", "Phường Tân Mai", "Phường Bửu Long",
                "Phường Hóa An", "Phường Tân Vạn", "Phường An Bình", "Phường Tam Hòa", "Xã Hiệp Hòa",
            ]
        ),
        (
            "Thành phố Long Khánh", 5,
            [
                "Phường Xuân An", "Phường Xuân Bình", "Phường Xuân Hòa", "Phường Xuân Trung", "Phường Xuân Thanh",
                "Phường Suối Tre", "Phường Bảo Vinh", "Xã Bảo Quang", "Xã Bình Lộc", "Xã Hàng Gòn",
            ]
        ),
        (
            "Huyện Trảng Bom", 11,
            [
                "Thị trấn Trảng Bom", "Xã Bắc Sơn", "Xã Hố Nai 3", "Xã Quảng Tiến", "Xã Giang Điền", "Xã An Viễn",
                "Xã Bình Minh", "Xã Sông Trầu", "Xã Tây Hòa", "Xã Đông Hòa",
            ]
        ),
        (
            "Huyện Nhơn Trạch", 8,
            [
                "Thị trấn Hiệp Phước", "Xã Phú Hội", "Xã Long Thọ", "Xã Phước Thiền", "Xã Phú Thạnh", "Xã Vĩnh Thanh",
                "Xã Đại Phước", "Xã Phước An",
            ]
        ),
        (
            "Huyện Long Thành", 8,
            [
                "Thị trấn Long Thành", "Xã An Phước", "Xã Long An", "Xã Long Phước", "Xã Phước Thái", "Xã Bình Sơn",
                "Xã Bàu Cạn", "Xã Tam An", "Xã Lộc An",
            ]
        ),
        (
            "Huyện Vĩnh Cửu", 5,
            [
                "Thị trấn Vĩnh An", "Xã Thạnh Phú", "Xã Tân Bình", "Xã Bình Lợi", "Xã Thiện Tân", "Xã Trị An",
                "Xã Phú Lý", "Xã Mã Đà",
            ]
        ),
        (
            "Huyện Định Quán", 6,
            [
                "Thị trấn Định Quán", "Xã Phú Ngọc", "Xã La Ngà", "Xã Gia Canh", "Xã Phú Vinh", "Xã Túc Trưng",
                "Xã Phú Túc",
            ]
        ),
        (
            "Huyện Tân Phú", 5,
            ["Thị trấn Tân Phú", "Xã Phú Lâm", "Xã Phú Bình", "Xã Nam Cát Tiên", "Xã Tà Lài", "Xã Phú Sơn", "Xã Đắk Lua"]
        ),
        (
            "Huyện Xuân Lộc", 7,
            [
                "Thị trấn Gia Ray", "Xã Xuân Bắc", "Xã Xuân Định", "Xã Xuân Hiệp", "Xã Suối Cát", "Xã Xuân Tâm",
                "Xã Xuân Hưng", "Xã Xuân Phú",
            ]
        ),
        (
            "Huyện Cẩm Mỹ", 5,
            ["Xã Long Giao", "Xã Nhân Nghĩa", "Xã Xuân Quế", "Xã Sông Ray", "Xã Xuân Đông", "Xã Bảo Bình", "Xã Xuân Mỹ"]
        ),
        (
            "Huyện Thống Nhất", 5,
            [
                "Xã Gia Tân 1", "Xã Gia Tân 2", "Xã Gia Kiệm", "Xã Quang Trung", "Xã Hưng Lộc", "Xã Bàu Hàm 2",
                "Xã Xuân Thạnh", "Xã Lộ 25",
            ]
        ),
    ]

    /// Legacy province codes (other than 75) that people living in Đồng Nai were often born in, with weights.
    static let otherBirthProvinces: [(String, Double)] = [
        ("79", 4), ("38", 3), ("40", 3), ("36", 2), ("34", 2), ("42", 2), ("70", 2), ("52", 1.5), ("30", 1),
        ("01", 1), ("46", 1), ("51", 1), ("74", 1.5), ("80", 1), ("87", 1),
    ]
}
