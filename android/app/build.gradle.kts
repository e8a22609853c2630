// The app: a thin Kotlin shell over the Rust core (doorstep-ffi, through the
// UniFFI bindings generated into ../shared/src/main/kotlin/cn/doorstep/core by
// scripts/gen-bindings.sh). Every rule lives in the core.
//
// `cargoNdk` builds libdoorstep_ffi.so for the three ABIs into jniLibs with
// cargo-ndk (`cargo install cargo-ndk`; `rustup target add aarch64-linux-android
// armv7-linux-androideabi x86_64-linux-android`; an NDK from the SDK manager).
// Pages are aligned to 16 KB, as Android 15 devices with 16 KB pages require.

plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

val repoRoot: File = rootProject.projectDir.parentFile
val rustJniLibs = layout.buildDirectory.dir("rustJniLibs")

android {
    namespace = "cn.doorstep.app"
    compileSdk = 35
    // NDK r27: its linker still defaults to 4 KB pages, hence the flag below.
    ndkVersion = "27.2.12479018"

    defaultConfig {
        applicationId = "cn.doorstep.app"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        ndk {
            abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64")
        }
    }

    sourceSets["main"].jniLibs.srcDir(rustJniLibs)

    packaging {
        // Stored uncompressed and page-aligned in the APK, so they load in place.
        jniLibs.useLegacyPackaging = false
    }

    buildFeatures {
        compose = true
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions {
        jvmTarget = "17"
    }
}

dependencies {
    // The screens, the bindings, JNA's Android AAR (its libjnidispatch.so per
    // ABI) and kotlinx-coroutines-android come from the shared module.
    implementation(project(":shared"))
    // The same Compose BOM as the shared module.
    implementation(platform("androidx.compose:compose-bom:2024.12.01"))
    implementation("androidx.compose.ui:ui")
    implementation("androidx.compose.foundation:foundation")
    implementation("androidx.compose.material3:material3")
    // ComponentActivity.setContent, enableEdgeToEdge, the activity result contracts.
    implementation("androidx.activity:activity-compose:1.9.3")
    // FileProvider, ContextCompat.checkSelfPermission.
    implementation("androidx.core:core-ktx:1.15.0")
    // Background sync: CoroutineWorker, network constraints, backoff.
    implementation("androidx.work:work-runtime-ktx:2.10.0")

    // The platform adapters' tests, on Robolectric's Android framework
    // (also run here, without Gradle, by check-on-jvm.sh).
    testImplementation("junit:junit:4.13.2")
    testImplementation("org.robolectric:robolectric:4.16")
}

val cargoNdk by tasks.registering(Exec::class) {
    description = "Builds libdoorstep_ffi.so for arm64-v8a, armeabi-v7a and x86_64 into jniLibs."
    workingDir = repoRoot
    environment("CARGO_TARGET_DIR", File(repoRoot, "target").path)
    // The link options (16 KB page alignment for Android 15+ devices, packed
    // relocations) are in bindings/build.rs.
    commandLine(
        "cargo", "ndk",
        "-t", "arm64-v8a", "-t", "armeabi-v7a", "-t", "x86_64",
        "--platform", "24",
        "-o", rustJniLibs.get().asFile.path,
        // `rustc --crate-type cdylib`, not `build`: beside the package's "lib" crate
        // type cargo would skip the fat LTO (1.35 MB more, rust-lang/cargo#4611).
        "rustc", "--profile", "phone", "-p", "doorstep-ffi", "--lib", "--crate-type", "cdylib",
    )
}

// The JVM unit tests are the shared module's; `gradle test` also runs this
// module's (empty) test tasks, which build the host library and server they load.
val cargoHost by tasks.registering(Exec::class) {
    description = "Builds the host library and the demo server for the JVM unit tests."
    workingDir = repoRoot
    commandLine("cargo", "build", "-p", "doorstep-ffi", "-p", "doorstep-cli")
}

tasks.named("preBuild") { dependsOn(cargoNdk) }

tasks.withType<Test>().configureEach {
    dependsOn(cargoHost)
    systemProperty("jna.library.path", File(repoRoot, "target/debug").path)
    systemProperty("doorstep.bin", File(repoRoot, "target/debug/doorstep").path)
}
