package cn.doorstep.app.platform

import android.content.Context
import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import android.net.NetworkCapabilities.NET_CAPABILITY_INTERNET
import android.net.NetworkCapabilities.NET_CAPABILITY_NOT_METERED
import android.net.NetworkCapabilities.TRANSPORT_CELLULAR
import android.net.NetworkCapabilities.TRANSPORT_ETHERNET
import android.net.NetworkCapabilities.TRANSPORT_WIFI
import cn.doorstep.core.NetworkState
import org.junit.Assert.assertEquals
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowNetwork
import org.robolectric.shadows.ShadowNetworkCapabilities

/** The network state handed to the core, from Robolectric's ConnectivityManager. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class AndroidNetworkMonitorTest {
    private val context: Context = RuntimeEnvironment.getApplication()
    private val connectivity = context.getSystemService(ConnectivityManager::class.java)

    private fun capabilities(transport: Int, unmetered: Boolean, internet: Boolean = true): NetworkCapabilities =
        ShadowNetworkCapabilities.newInstance().also { caps ->
            val shadow = shadowOf(caps)
            shadow.addTransportType(transport)
            if (internet) shadow.addCapability(NET_CAPABILITY_INTERNET)
            if (unmetered) shadow.addCapability(NET_CAPABILITY_NOT_METERED)
        }

    @Test
    fun `home Wi-Fi, a phone's hotspot, cellular and a network without internet are told apart`() {
        assertEquals(NetworkState.WIFI, networkState(capabilities(TRANSPORT_WIFI, unmetered = true)))
        assertEquals(NetworkState.METERED, networkState(capabilities(TRANSPORT_WIFI, unmetered = false)))
        assertEquals(NetworkState.CELLULAR, networkState(capabilities(TRANSPORT_CELLULAR, unmetered = false)))
        // A carrier calling its plan unmetered is still cellular: photos wait for Wi-Fi.
        assertEquals(NetworkState.CELLULAR, networkState(capabilities(TRANSPORT_CELLULAR, unmetered = true)))
        assertEquals(NetworkState.WIFI, networkState(capabilities(TRANSPORT_ETHERNET, unmetered = true)))
        assertEquals(NetworkState.OFFLINE, networkState(capabilities(TRANSPORT_WIFI, unmetered = true, internet = false)))
    }

    @Test
    fun `the first state is read at once, then follows the default network as it changes`() {
        val active = connectivity.activeNetwork
        shadowOf(connectivity).setNetworkCapabilities(active, capabilities(TRANSPORT_WIFI, unmetered = true))
        val monitor = AndroidNetworkMonitor(context)
        assertEquals(NetworkState.WIFI, monitor.state.value)

        val callback = shadowOf(connectivity).networkCallbacks.single()
        val phone = ShadowNetwork.newInstance(7)
        callback.onCapabilitiesChanged(phone, capabilities(TRANSPORT_CELLULAR, unmetered = false))
        assertEquals(NetworkState.CELLULAR, monitor.state.value)
        callback.onLost(phone)
        assertEquals(NetworkState.OFFLINE, monitor.state.value)
        val hotspot = ShadowNetwork.newInstance(8)
        callback.onCapabilitiesChanged(hotspot, capabilities(TRANSPORT_WIFI, unmetered = false))
        assertEquals(NetworkState.METERED, monitor.state.value)
    }

    @Test
    fun `no network at all is offline from the start`() {
        shadowOf(connectivity).clearAllNetworks()
        shadowOf(connectivity).setActiveNetworkInfo(null)
        assertEquals(NetworkState.OFFLINE, AndroidNetworkMonitor(context).state.value)
    }
}
