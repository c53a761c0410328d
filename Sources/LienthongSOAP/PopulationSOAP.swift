public import LienthongCore

/// The population database's SOAP 1.1 upstream contract (`Contracts/upstream/population.xsd`), I/O-free.
///
/// Two operations, in the style of the public LGSP examples:
/// - `LayThongTinCongDan` (by `SoDinhDanh`) → `LayThongTinCongDanResponse` with zero or one `CongDan`;
/// - `TimSoDinhDanh` (a child without a number, by name, birth date, sex, a parent and the birth-registration
///   place) → `TimSoDinhDanhResponse` with zero or one `SoDinhDanh`.
///
/// ```swift
/// let request = PopulationSOAP.Request.lookup(personalID: "075090000123")
/// let bytes = SOAPEnvelope(body: .payload(request.element)).encoded()
/// // POST bytes with `SOAPAction: "\(request.operation.soapAction)"`
/// ```
public enum PopulationSOAP {
    /// The upstream's XML namespace.
    public static let namespace = "urn:lienthong:sim:csdlqg-dc:v1"
    /// The prefix written for ``namespace``.
    public static let prefix = "dc"

    /// A name in the upstream namespace.
    public static func name(_ local: String) -> XMLName { XMLName(local, namespace: namespace) }

    /// The upstream's operations.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        /// Look a citizen up by personal id number.
        case layThongTinCongDan = "LayThongTinCongDan"
        /// Find the personal id number of a child by birth-registration data.
        case timSoDinhDanh = "TimSoDinhDanh"

        /// The `SOAPAction` HTTP header value (without the surrounding quotes).
        public var soapAction: String { "\(PopulationSOAP.namespace)/\(rawValue)" }

        /// The local name of the response element.
        public var responseName: String { rawValue + "Response" }

        /// The operation named by a `SOAPAction` header value (quoted or not).
        public init?(soapAction: String) {
            var value = soapAction.trimmingSpaces
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            guard let operation = Self.allCases.first(where: { $0.soapAction == value }) else { return nil }
            self = operation
        }
    }

    /// A citizen record as the register returns it (`CongDan`).
    public struct Citizen: Sendable, Hashable {
        /// `SoDinhDanh`: the 12-digit personal id number.
        public var personalID: String
        /// `HoVaTen`.
        public var fullName: String
        /// `NgaySinh`, `yyyy-MM-dd`.
        public var dateOfBirth: String
        /// `GioiTinh`: 1 nam, 2 nữ.
        public var sex: Sex
        /// `DanToc`.
        public var ethnicity: String?
        /// `QueQuan`.
        public var hometown: String?
        /// `NoiThuongTru`.
        public var permanentResidence: String?
        /// `HoTenCha`.
        public var fatherName: String?
        /// `HoTenMe`.
        public var motherName: String?
        /// `NoiDangKyKhaiSinh`.
        public var birthRegistrationPlace: String?

        /// Creates a record.
        public init(
            personalID: String, fullName: String, dateOfBirth: String, sex: Sex, ethnicity: String? = nil,
            hometown: String? = nil, permanentResidence: String? = nil, fatherName: String? = nil,
            motherName: String? = nil, birthRegistrationPlace: String? = nil
        ) {
            self.personalID = personalID
            self.fullName = fullName
            self.dateOfBirth = dateOfBirth
            self.sex = sex
            self.ethnicity = ethnicity
            self.hometown = hometown
            self.permanentResidence = permanentResidence
            self.fatherName = fatherName
            self.motherName = motherName
            self.birthRegistrationPlace = birthRegistrationPlace
        }

        /// The `CongDan` element.
        public var element: XMLElement {
            var e = XMLElement(name("CongDan"), prefix: prefix)
            func add(_ local: String, _ value: String?) {
                if let value { e.append(XMLElement(name(local), prefix: prefix, text: value)) }
            }
            add("SoDinhDanh", personalID)
            add("HoVaTen", fullName)
            add("NgaySinh", dateOfBirth)
            add("GioiTinh", sexCode(sex))
            add("DanToc", ethnicity)
            add("QueQuan", hometown)
            add("NoiThuongTru", permanentResidence)
            add("HoTenCha", fatherName)
            add("HoTenMe", motherName)
            add("NoiDangKyKhaiSinh", birthRegistrationPlace)
            return e
        }

        /// Reads a `CongDan` element.
        public init(_ element: XMLElement) throws(SOAPError) {
            guard element.name == name("CongDan") else { throw SOAPError(.unexpectedPayload) }
            self.personalID = try required(element, "SoDinhDanh")
            self.fullName = try required(element, "HoVaTen")
            self.dateOfBirth = try date(try required(element, "NgaySinh"))
            self.sex = try parseSex(try required(element, "GioiTinh"))
            self.ethnicity = optional(element, "DanToc")
            self.hometown = optional(element, "QueQuan")
            self.permanentResidence = optional(element, "NoiThuongTru")
            self.fatherName = optional(element, "HoTenCha")
            self.motherName = optional(element, "HoTenMe")
            self.birthRegistrationPlace = optional(element, "NoiDangKyKhaiSinh")
        }
    }

    /// The search of `TimSoDinhDanh`.
    public struct PersonalIDQuery: Sendable, Hashable {
        /// `HoVaTen`.
        public var fullName: String
        /// `NgaySinh`, `yyyy-MM-dd`.
        public var dateOfBirth: String
        /// `GioiTinh`.
        public var sex: Sex
        /// `HoTenChaHoacMe`: the father's or the mother's full name.
        public var parentName: String
        /// `NoiDangKyKhaiSinh`.
        public var birthRegistrationPlace: String

        /// Creates a query.
        public init(fullName: String, dateOfBirth: String, sex: Sex, parentName: String, birthRegistrationPlace: String) {
            self.fullName = fullName
            self.dateOfBirth = dateOfBirth
            self.sex = sex
            self.parentName = parentName
            self.birthRegistrationPlace = birthRegistrationPlace
        }
    }

    /// A request payload (the child of `soap:Body`).
    public enum Request: Sendable, Hashable {
        /// `LayThongTinCongDan`.
        case lookup(personalID: String)
        /// `TimSoDinhDanh`.
        case findPersonalID(PersonalIDQuery)

        /// The operation.
        public var operation: Operation {
            switch self {
            case .lookup: .layThongTinCongDan
            case .findPersonalID: .timSoDinhDanh
            }
        }

        /// The payload element.
        public var element: XMLElement {
            var e = XMLElement(
                name(operation.rawValue),
                prefix: prefix,
                namespaceDeclarations: [.init(prefix: prefix, uri: namespace)]
            )
            switch self {
            case .lookup(let personalID):
                e.append(XMLElement(name("SoDinhDanh"), prefix: prefix, text: personalID))
            case .findPersonalID(let q):
                e.append(XMLElement(name("HoVaTen"), prefix: prefix, text: q.fullName))
                e.append(XMLElement(name("NgaySinh"), prefix: prefix, text: q.dateOfBirth))
                e.append(XMLElement(name("GioiTinh"), prefix: prefix, text: sexCode(q.sex)))
                e.append(XMLElement(name("HoTenChaHoacMe"), prefix: prefix, text: q.parentName))
                e.append(XMLElement(name("NoiDangKyKhaiSinh"), prefix: prefix, text: q.birthRegistrationPlace))
            }
            return e
        }

        /// Reads a request payload.
        public init(_ element: XMLElement) throws(SOAPError) {
            if element.name == name(Operation.layThongTinCongDan.rawValue) {
                self = .lookup(personalID: try required(element, "SoDinhDanh"))
            } else if element.name == name(Operation.timSoDinhDanh.rawValue) {
                self = .findPersonalID(
                    PersonalIDQuery(
                        fullName: try required(element, "HoVaTen"),
                        dateOfBirth: try date(try required(element, "NgaySinh")),
                        sex: try parseSex(try required(element, "GioiTinh")),
                        parentName: try required(element, "HoTenChaHoacMe"),
                        birthRegistrationPlace: try required(element, "NoiDangKyKhaiSinh")
                    )
                )
            } else {
                throw SOAPError(.unexpectedPayload)
            }
        }
    }

    /// A response payload.
    public enum Response: Sendable, Hashable {
        /// `LayThongTinCongDanResponse`: the record, or `nil` when the number is not in the register.
        case citizen(Citizen?)
        /// `TimSoDinhDanhResponse`: the number, or `nil` when no child matches.
        case personalID(String?)

        /// The operation this answers.
        public var operation: Operation {
            switch self {
            case .citizen: .layThongTinCongDan
            case .personalID: .timSoDinhDanh
            }
        }

        /// The payload element.
        public var element: XMLElement {
            var e = XMLElement(
                name(operation.responseName),
                prefix: prefix,
                namespaceDeclarations: [.init(prefix: prefix, uri: namespace)]
            )
            switch self {
            case .citizen(let citizen):
                if let citizen { e.append(citizen.element) }
            case .personalID(let number):
                if let number { e.append(XMLElement(name("SoDinhDanh"), prefix: prefix, text: number)) }
            }
            return e
        }

        /// Reads the response payload of `operation`.
        public init(_ element: XMLElement, operation: Operation) throws(SOAPError) {
            guard element.name == name(operation.responseName) else { throw SOAPError(.unexpectedPayload) }
            switch operation {
            case .layThongTinCongDan:
                let records = element.children(named: name("CongDan"))
                guard records.count <= 1 else { throw SOAPError(.unexpectedPayload) }
                self = .citizen(try records.first.map { (e: XMLElement) throws(SOAPError) in try Citizen(e) })
            case .timSoDinhDanh:
                let numbers = element.children(named: name("SoDinhDanh"))
                guard numbers.count <= 1 else { throw SOAPError(.unexpectedPayload) }
                if let number = numbers.first {
                    let text = number.text.trimmingSpaces
                    guard !text.isEmpty else { throw SOAPError(.unexpectedPayload) }
                    self = .personalID(text)
                } else {
                    self = .personalID(nil)
                }
            }
        }
    }
}

private func sexCode(_ sex: Sex) -> String {
    switch sex {
    case .male: "1"
    case .female: "2"
    }
}

private func parseSex(_ text: String) throws(SOAPError) -> Sex {
    switch text {
    case "1": .male
    case "2": .female
    default: throw SOAPError(.unexpectedPayload)
    }
}

/// Checks the `yyyy-MM-dd` shape of an upstream date.
private func date(_ text: String) throws(SOAPError) -> String {
    guard (try? CalendarDate(iso: text)) != nil else { throw SOAPError(.unexpectedPayload) }
    return text
}

private func required(_ element: XMLElement, _ local: String) throws(SOAPError) -> String {
    guard let child = element.firstChild(PopulationSOAP.name(local)) else { throw SOAPError(.unexpectedPayload) }
    let text = child.text.trimmingSpaces
    guard !text.isEmpty else { throw SOAPError(.unexpectedPayload) }
    return text
}

private func optional(_ element: XMLElement, _ local: String) -> String? {
    guard let child = element.firstChild(PopulationSOAP.name(local)) else { return nil }
    let text = child.text.trimmingSpaces
    return text.isEmpty ? nil : text
}
