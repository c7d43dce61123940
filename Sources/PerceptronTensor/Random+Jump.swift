// Jumping a SeededGenerator ahead by any number of draws without making them, so that the
// draws of one long stream (a dropout mask) can be made by several threads, each from its
// own starting point, and still be the very numbers one thread would draw.
//
// xoshiro256's state moves by a linear map T over GF(2)^256 (its output scrambler is not part
// of the state). Moving n steps is T^n, and T^n equals r(T) for r = x^n mod P, with P the
// characteristic polynomial of T (degree 256; T satisfies P(T) = 0). So the state n draws
// ahead is the sum, over the bits r_i of r, of T^i applied to the state: 256 steps instead of n.
// P is found once by Berlekamp-Massey from 512 bits of one state word; polynomials here have
// degree <= 256 and are kept in five 64-bit words, bit i the coefficient of x^i.

/// A polynomial over GF(2) of degree at most 319: five words, bit i of the whole the
/// coefficient of x^i.
public struct JumpPolynomial: Equatable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)

    subscript(bit i: Int) -> Bool {
        get { word(i / 64) >> UInt64(i % 64) & 1 == 1 }
        set {
            let mask = UInt64(1) << UInt64(i % 64)
            setWord(i / 64, newValue ? word(i / 64) | mask : word(i / 64) & ~mask)
        }
    }

    func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: words.0
        case 1: words.1
        case 2: words.2
        case 3: words.3
        default: words.4
        }
    }

    mutating func setWord(_ index: Int, _ value: UInt64) {
        switch index {
        case 0: words.0 = value
        case 1: words.1 = value
        case 2: words.2 = value
        case 3: words.3 = value
        default: words.4 = value
        }
    }

    public static func == (a: JumpPolynomial, b: JumpPolynomial) -> Bool {
        (0..<5).allSatisfy { a.word($0) == b.word($0) }
    }

    static func ^ (a: JumpPolynomial, b: JumpPolynomial) -> JumpPolynomial {
        var c = JumpPolynomial()
        c.words = (a.words.0 ^ b.words.0, a.words.1 ^ b.words.1, a.words.2 ^ b.words.2, a.words.3 ^ b.words.3,
                   a.words.4 ^ b.words.4)
        return c
    }

    /// `self * x`, one place up.
    func shiftedUp() -> JumpPolynomial {
        var c = JumpPolynomial()
        c.words = (words.0 << 1, words.1 << 1 | words.0 >> 63, words.2 << 1 | words.1 >> 63, words.3 << 1 | words.2 >> 63,
                   words.4 << 1 | words.3 >> 63)
        return c
    }

    /// `self * other mod modulus`, for `self` and `other` of degree below 256 and a modulus of
    /// degree 256: Horner over `other`'s bits, reducing at each step.
    func times(_ other: JumpPolynomial, modulo modulus: JumpPolynomial) -> JumpPolynomial {
        var product = JumpPolynomial()
        for i in stride(from: 255, through: 0, by: -1) {
            product = product.shiftedUp()
            if product[bit: 256] { product = product ^ modulus }
            if other[bit: i] { product = product ^ self }
        }
        return product
    }

    /// `x^n mod modulus` (degree 256), by squaring and multiplying.
    static func power(_ n: Int, modulo modulus: JumpPolynomial) -> JumpPolynomial {
        precondition(n >= 0, "a jump of \(n) draws")
        var result = JumpPolynomial(), base = JumpPolynomial()
        result[bit: 0] = true
        base[bit: 1] = true
        var e = n
        while e > 0 {
            if e & 1 == 1 { result = result.times(base, modulo: modulus) }
            base = base.times(base, modulo: modulus)
            e >>= 1
        }
        return result
    }
}

extension SeededGenerator {
    /// The characteristic polynomial of the state's step, of degree 256: the shortest linear
    /// recurrence (Berlekamp-Massey) of 512 successive values of one state bit.
    public static let stepPolynomial: JumpPolynomial = {
        var generator = SeededGenerator(seed: 0x5EED)
        var bits = [UInt8](repeating: 0, count: 512)
        for t in 0..<512 {
            bits[t] = UInt8(generator.s0 & 1)
            generator.step()
        }
        // Berlekamp-Massey over GF(2): c is the connection polynomial, bits[t] = sum c_j bits[t - j].
        var c = [UInt8](repeating: 0, count: 513), b = [UInt8](repeating: 0, count: 513)
        (c[0], b[0]) = (1, 1)
        var length = 0, shift = 1
        for t in 0..<512 {
            var discrepancy = bits[t]
            if length > 0 { for j in 1...length { discrepancy ^= c[j] & bits[t - j] } }
            if discrepancy == 0 {
                shift += 1
            } else if 2 * length <= t {
                let previous = c
                for j in 0..<(513 - shift) where b[j] == 1 { c[j + shift] ^= 1 }
                length = t + 1 - length
                b = previous
                shift = 1
            } else {
                for j in 0..<(513 - shift) where b[j] == 1 { c[j + shift] ^= 1 }
                shift += 1
            }
        }
        precondition(length == 256, "xoshiro256's step has a characteristic polynomial of degree 256, found \(length)")
        // P(x) = x^256 c(1/x): the coefficient of x^(256 - j) is c_j.
        var polynomial = JumpPolynomial()
        for j in 0...256 where c[j] == 1 { polynomial[bit: 256 - j] = true }
        return polynomial
    }()

    /// The jump of `n` draws as a polynomial, `x^n mod` `stepPolynomial`, for `advanced(by:)`;
    /// worth keeping when the same jump is made again and again.
    public static func jump(of n: Int) -> JumpPolynomial { JumpPolynomial.power(n, modulo: stepPolynomial) }

    /// The generator as `n` calls of `next()` would leave it, without making them: 256 steps
    /// of the state, whatever `n` (`jump` is the costly part: about 2 log2(n) products).
    public func advanced(by n: Int) -> SeededGenerator { advanced(by: Self.jump(of: n)) }

    /// The generator moved by a jump from `jump(of:)`: the sum of the states T^i s over the
    /// jump's bits i.
    public func advanced(by jump: JumpPolynomial) -> SeededGenerator {
        var walker = self, sum = SeededGenerator(zeroed: ())
        for i in 0..<256 {
            if jump[bit: i] { (sum.s0, sum.s1, sum.s2, sum.s3) = (sum.s0 ^ walker.s0, sum.s1 ^ walker.s1,
                                                                 sum.s2 ^ walker.s2, sum.s3 ^ walker.s3) }
            walker.step()
        }
        return sum
    }

    /// All-zero state, only as the start of a sum of states.
    init(zeroed: ()) { (s0, s1, s2, s3) = (0, 0, 0, 0) }
}
