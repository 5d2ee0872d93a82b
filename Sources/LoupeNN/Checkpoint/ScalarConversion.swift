/// Bit-level conversions between `Float` and the 16-bit float formats, written out so
/// they behave the same on every platform (`Float16` is unavailable on some).
enum ScalarConversion {
    /// The `Float` equal to an IEEE 754 binary16 value.
    static func float(fromHalfBits bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 == 0 ? 1 : -1
        let exponent = Int(bits >> 10) & 0x1f
        let mantissa = UInt32(bits & 0x3ff)
        switch exponent {
        case 0: return sign * Float(mantissa) * 0x1p-24
        case 31: return Float(bitPattern: UInt32(bits & 0x8000) << 16 | 0x7f80_0000 | mantissa << 13)
        default:
            return Float(
                bitPattern: UInt32(bits & 0x8000) << 16 | UInt32(exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// The binary16 value nearest to `value` (ties to even); overflow gives infinity.
    static func halfBits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
        let exponent = Int(bits >> 23) & 0xff
        let mantissa = bits & 0x7f_ffff
        if exponent == 0xff {
            return sign | 0x7c00 | (mantissa == 0 ? 0 : 0x200 | UInt16(mantissa >> 13))
        }
        let halfExponent = exponent - 112
        if halfExponent >= 31 { return sign | 0x7c00 }
        if halfExponent <= 0 {
            guard halfExponent >= -10 else { return sign }
            return sign | UInt16(roundShifted(mantissa | 0x80_0000, by: UInt32(14 - halfExponent)))
        }
        // A carry out of the mantissa correctly bumps the exponent (up to infinity).
        return sign | UInt16(roundShifted(UInt32(halfExponent) << 23 | mantissa, by: 13))
    }

    /// The `Float` equal to a bfloat16 value.
    static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// The bfloat16 value nearest to `value` (ties to even).
    static func bfloat16Bits(from value: Float) -> UInt16 {
        if value.isNaN { return UInt16(truncatingIfNeeded: value.bitPattern >> 16) | 0x40 }
        return UInt16(roundShifted(value.bitPattern, by: 16))
    }

    /// `value >> shift`, rounded to nearest with ties to even.
    private static func roundShifted(_ value: UInt32, by shift: UInt32) -> UInt32 {
        let kept = value >> shift
        let remainder = value & ((1 << shift) - 1)
        let half: UInt32 = 1 << (shift - 1)
        return remainder > half || (remainder == half && kept & 1 == 1) ? kept + 1 : kept
    }
}
