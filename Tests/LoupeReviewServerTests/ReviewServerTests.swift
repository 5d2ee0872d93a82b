import LoupeReviewServer
import XCTest

final class ReviewServerTests: XCTestCase {}
