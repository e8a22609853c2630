// The shared module: the generated bindings, the platform interfaces, the
// presenters, screens, design system and the shell's zh/en strings — plain
// Kotlin + Compose with no android.* import. The app module adds the Android
// implementations of the platform interfaces. The same sources are compiled
// and tested on the JVM by pom.xml (Compose Multiplatform's desktop artifacts);
// src/desktopMain (the desktop window and the fakes) is that build's only.

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

android {
    namespace = "cn.doorstep.shared"
    compileSdk = 35

    defaultConfig {
        minSdk = 24
    }

    sourceSets["main"].java.srcDirs("src/main/kotlin")
    sourceSets["test"].java.srcDirs("src/test/kotlin")

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
    testOptions {
        unitTests.all {
            // The Compose UI tests and screenshots run on the desktop JVM
            // (pom.xml); here only the bindings' tests run.
            it.include("cn/doorstep/core/**")
        }
    }
}

dependencies {
    // JNA for Android ships its own libjnidispatch.so per ABI in the AAR.
    api("net.java.dev.jna:jna:5.13.0@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.8.1")
    val composeBom = platform("androidx.compose:compose-bom:2024.12.01")
    api(composeBom)
    api("androidx.compose.runtime:runtime")
    api("androidx.compose.foundation:foundation")
    api("androidx.compose.ui:ui")
    api("androidx.compose.material3:material3")

    testImplementation("junit:junit:4.13.2")
    testImplementation("net.java.dev.jna:jna:5.13.0")
}

val repoRoot: File = rootProject.projectDir.parentFile

tasks.withType<Test>().configureEach {
    systemProperty("jna.library.path", File(repoRoot, "target/debug").path)
    systemProperty("doorstep.bin", File(repoRoot, "target/debug/doorstep").path)
}
