import Foundation
import LoupeData
import LoupeNN
import LoupeWorkflows
import XCTest

/// The training recipe is shared by every command that trains: the settings of `loupe train`
/// (momentum, Nesterov, weight decay, schedule, label smoothing, crop and flip) reach
/// populations, audits and ROAR too, each command keeping its own default schedule.
final class ModelRecipeTests: WorkflowTestCase {
    func recipeWithEverySetting() -> ModelRecipe {
        var recipe = ModelRecipe(model: "mlp", hidden: "8", epochs: 2)
        recipe.momentum = 0.8
        recipe.nesterov = true
        recipe.weightDecay = 5e-4
        recipe.labelSmoothing = 0.1
        recipe.augmentation = Augmentation(cropPadding: 2, horizontalFlip: true)
        return recipe
    }

    func testEverySettingReachesTheTrainingConfiguration() {
        let training = recipeWithEverySetting().training(defaultEpochs: 9)
        XCTAssertEqual(training.epochs, 2)
        XCTAssertEqual(training.momentum, 0.8)
        XCTAssertTrue(training.nesterov)
        XCTAssertEqual(training.weightDecay, 5e-4)
        XCTAssertEqual(training.labelSmoothing, 0.1)
        XCTAssertEqual(training.augmentation, Augmentation(cropPadding: 2, horizontalFlip: true))
        XCTAssertEqual(training.schedule, .constant)
    }

    /// A schedule given wins over the command's default; without one the default holds.
    func testTheScheduleDefaultsPerCommandUnlessGiven() {
        var recipe = ModelRecipe()
        XCTAssertEqual(
            recipe.training(defaultEpochs: 4, defaultSchedule: .cosine(minimum: 0)).schedule, .cosine(minimum: 0))
        recipe.schedule = .warmup(steps: 10, then: .constant)
        XCTAssertEqual(
            recipe.training(defaultEpochs: 4, defaultSchedule: .cosine(minimum: 0)).schedule,
            .warmup(steps: 10, then: .constant))
    }

    /// A population's spec carries the recipe (so a resumed population checks it too), and a
    /// crop larger than the images is refused before anything is trained.
    func testAPopulationTrainsWithTheRecipe() throws {
        let data = try syntheticData(classes: 2, perClass: 10).load()
        let population = PopulationRecipe(
            model: recipeWithEverySetting(), variants: try PopulationRecipe.variants(parsing: "dense,prune:0.5"),
            threads: 1)
        let spec = try population.makeSpec(data: "synthetic", train: data.splits.train)
        XCTAssertEqual(spec.training.augmentation, Augmentation(cropPadding: 2, horizontalFlip: true))
        XCTAssertEqual(spec.training.momentum, 0.8)
        XCTAssertTrue(spec.training.nesterov)
        XCTAssertEqual(spec.training.weightDecay, 5e-4)
        XCTAssertEqual(spec.training.labelSmoothing, 0.1)
        XCTAssertEqual(spec.training.schedule, .cosine(minimum: 0))

        var tooLarge = population
        tooLarge.model.augmentation = Augmentation(cropPadding: 9, horizontalFlip: false)
        XCTAssertThrowsError(try tooLarge.makeSpec(data: "synthetic", train: data.splits.train)) {
            XCTAssertTrue("\($0)".contains("crop padding 9 is larger than the 8x8 images"), "\($0)")
        }
    }

    /// Augmentation changes what a population member learns, and the same recipe gives the
    /// same weights twice.
    func testAugmentedPopulationsAreDeterministicAndDifferFromPlainOnes() throws {
        let data = try syntheticData(classes: 2, perClass: 10)
        func trainedWeights(_ recipe: ModelRecipe, _ name: String) throws -> Data {
            var population = PopulationRecipe(
                model: recipe, variants: try PopulationRecipe.variants(parsing: "dense,int8-channel"), threads: 1)
            population.members = 1
            let output = folder.appendingPathComponent(name)
            let result = try AuditWorkflow(.init(data: data, population: population, output: output))
                .run(progress: SilentProgress())
            _ = try result.write(to: output)
            // The dense member's weights (a dictionary's order differs from run to run: name the file).
            return try XCTUnwrap(outputFiles(output)["population/dense/000/model.safetensors"])
        }
        var plain = ModelRecipe(model: "mlp", hidden: "8", epochs: 2)
        plain.augmentation = .none
        let augmented = recipeWithEverySetting()
        let first = try trainedWeights(augmented, "a")
        XCTAssertEqual(first, try trainedWeights(augmented, "b"))
        XCTAssertNotEqual(first, try trainedWeights(plain, "c"))
    }
}
