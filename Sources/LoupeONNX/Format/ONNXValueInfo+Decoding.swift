extension ONNXValueInfo {
    /// Decodes a `ValueInfoProto`; a value without a tensor type has no element type and no
    /// shape, a dimension with neither a value nor a name is `.symbolic("")`.
    ///
    /// - Parameters:
    ///   - what: the list it is in (`graph input`), and `index` its place there, for errors.
    init(decoding proto: ProtoONNX_ValueInfoProto, what: String, index: Int, context: DecodingContext)
        throws(ONNXError)
    {
        guard !proto.name.isEmpty else { throw context.error("\(what) \(index) has no name") }
        let label = "\(what) '\(proto.name)'"
        guard case .tensorType(let type)? = proto.type.value else {
            self.init(name: proto.name, elementType: nil, shape: nil)
            return
        }
        var elementType: ONNXDataType?
        if type.elemType != 0 {
            guard let known = ONNXDataType(rawValue: Int(type.elemType)) else {
                throw context.error(
                    "\(label): element type \(ONNXDataType.describe(number: type.elemType)) is not supported")
            }
            elementType = known
        }
        var shape: [ONNXDimension]?
        if type.hasShape {
            let dimensions = type.shape.dim
            guard dimensions.count <= FormatLimits.maxRank else {
                throw context.error(
                    "\(label): \(dimensions.count) dimensions, more than the \(FormatLimits.maxRank) Loupe reads")
            }
            shape = []
            for dimension in dimensions {
                switch dimension.value {
                case .dimValue(let value):
                    guard value >= 0, value < FormatLimits.dimensionBound else {
                        throw context.error("\(label): dimension \(value) is not between 0 and 2^31 - 1")
                    }
                    shape?.append(.fixed(Int(value)))
                case .dimParam(let name): shape?.append(.symbolic(name))
                case nil: shape?.append(.symbolic(""))
                }
            }
        }
        self.init(name: proto.name, elementType: elementType, shape: shape)
    }
}
