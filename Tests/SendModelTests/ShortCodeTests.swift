import SendModel
import Testing

@Suite("Short codes: what families type from a letter or a text")
struct ShortCodeTests {
    /// A generator with a fixed sequence, so the codes are the same on every run.
    struct Sequence: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func codes(_ n: Int) -> [String] {
        var g = Sequence(state: 42)
        return (0..<n).map { _ in ShortCode.make(using: &g) }
    }

    @Test("a new code is ten plain symbols, reads back as itself, and prints as ABCDE-FGHJK")
    func roundTrip() {
        for code in codes(1000) + [ShortCode.make()] {
            #expect(code.count == 10)
            #expect(code.allSatisfy { ShortCode.alphabet.contains($0) })
            #expect(ShortCode.normalise(code) == code)
            let printed = ShortCode.display(code)
            #expect(printed == String(code.prefix(5)) + "-" + String(code.suffix(5)))
            #expect(ShortCode.normalise(printed) == code)
        }
    }

    @Test("typed in lower case, with spaces or hyphens, O for 0 and I or L for 1: the same code")
    func normalisation() throws {
        let code = try #require(codes(5000).first { $0.contains("0") && $0.contains("1") })
        let typo = code.replacingOccurrences(of: "0", with: "o").replacingOccurrences(of: "1", with: "l")
        #expect(ShortCode.normalise(typo) == code)
        #expect(ShortCode.normalise(code.replacingOccurrences(of: "1", with: "I")) == code)
        #expect(ShortCode.normalise(code.lowercased()) == code)
        let spaced = "  " + String(code.prefix(3)) + " " + String(code.dropFirst(3).prefix(4)) + "-" + String(code.suffix(3)) + " "
        #expect(ShortCode.normalise(spaced) == code)
        #expect(ShortCode.normalise(ShortCode.display(code).lowercased()) == code)
    }

    @Test("too short, too long, or holding a letter no code has: not a code")
    func notACode() {
        let code = codes(1)[0]
        #expect(ShortCode.normalise(String(code.dropLast())) == nil)
        #expect(ShortCode.normalise(code + "0") == nil)
        #expect(ShortCode.normalise(String(code.dropLast()) + "U") == nil)
        #expect(ShortCode.normalise("") == nil)
        #expect(ShortCode.normalise("ABCDE/FGHJK") == nil)
    }

    @Test("any one character mistyped is refused")
    func singleSubstitution() {
        for code in codes(200) {
            let chars = Array(code)
            for i in chars.indices {
                for replacement in ShortCode.alphabet where replacement != chars[i] {
                    var typed = chars
                    typed[i] = replacement
                    #expect(ShortCode.normalise(String(typed)) == nil, "\(code) with \(replacement) at \(i) was accepted")
                }
            }
        }
    }

    @Test("any two neighbours swapped are refused")
    func adjacentSwap() {
        for code in codes(2000) {
            let chars = Array(code)
            for i in 0..<(chars.count - 1) where chars[i] != chars[i + 1] {
                var typed = chars
                typed.swapAt(i, i + 1)
                #expect(ShortCode.normalise(String(typed)) == nil, "\(code) with \(i) and \(i + 1) swapped was accepted")
            }
        }
    }
}
