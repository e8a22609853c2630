//! Background sync scheduled with WorkManager: it runs when the network the
//! worker allows is there (unmetered while her Wi-Fi-only switch is on, any
//! otherwise), survives the app being closed and the phone restarting, and
//! is retried with backoff.
package cn.doorstep.app.platform

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequest
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.WorkManager
import cn.doorstep.platform.SyncRequest
import cn.doorstep.platform.SyncScheduler
import java.util.concurrent.TimeUnit

/** One unique sync job; a new request replaces the one waiting. */
class WorkManagerSyncScheduler(context: Context) : SyncScheduler {
    private val work = WorkManager.getInstance(context.applicationContext)

    override fun schedule(request: SyncRequest) {
        // A run already going is stopped and cancels its sync cleanly (everything stays queued);
        // the app schedules again whenever the worker's Wi-Fi-only switch changes.
        work.enqueueUniqueWork(SyncWorker.UNIQUE_NAME, ExistingWorkPolicy.REPLACE, syncWork(request))
    }

    override fun cancel() {
        work.cancelUniqueWork(SyncWorker.UNIQUE_NAME)
    }
}

/** The first retry after a failed run; WorkManager doubles it each time, up to five hours. */
private const val FIRST_RETRY_S = 60L

/**
 * The WorkManager job for [request]: an unmetered network (Wi-Fi) required
 * only when the worker's Wi-Fi-only switch asked for it, any connected one
 * otherwise; not before the request's delay; exponential backoff from 60 s.
 */
internal fun syncWork(request: SyncRequest): OneTimeWorkRequest {
    val constraints = Constraints.Builder()
        .setRequiredNetworkType(if (request.unmeteredOnly) NetworkType.UNMETERED else NetworkType.CONNECTED)
        .build()
    return OneTimeWorkRequestBuilder<SyncWorker>()
        .setConstraints(constraints)
        .setInitialDelay(request.delayMs.coerceAtLeast(0), TimeUnit.MILLISECONDS)
        .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, FIRST_RETRY_S, TimeUnit.SECONDS)
        .build()
}
