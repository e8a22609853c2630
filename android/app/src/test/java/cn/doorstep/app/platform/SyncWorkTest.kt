package cn.doorstep.app.platform

import androidx.work.BackoffPolicy
import androidx.work.NetworkType
import cn.doorstep.platform.SyncRequest
import org.junit.Assert.assertEquals
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config

/** The background sync job WorkManager is given, as the worker's Wi-Fi-only switch sets it. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class SyncWorkTest {
    @Test
    fun `with Wi-Fi only on, the job waits for an unmetered network`() {
        val spec = syncWork(SyncRequest(unmeteredOnly = true)).workSpec
        assertEquals(NetworkType.UNMETERED, spec.constraints.requiredNetworkType)
        assertEquals(SyncWorker::class.java.name, spec.workerClassName)
    }

    @Test
    fun `with Wi-Fi only off, any connected network will do, cellular too`() {
        val spec = syncWork(SyncRequest(unmeteredOnly = false)).workSpec
        assertEquals(NetworkType.CONNECTED, spec.constraints.requiredNetworkType)
    }

    @Test
    fun `a retry waits out the core's backoff, starting at a minute`() {
        val spec = syncWork(SyncRequest(unmeteredOnly = true, delayMs = 90_000)).workSpec
        assertEquals(90_000L, spec.initialDelay)
        assertEquals(BackoffPolicy.EXPONENTIAL, spec.backoffPolicy)
        assertEquals(60_000L, spec.backoffDelayDuration)
    }
}
