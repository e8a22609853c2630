package cn.doorstep.ui.app

import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Test

/** Where the system back button goes from each screen (the shell's navigation state alone). */
class NavigationTest {
    private val visit = Route.Visit("v1")

    @Test
    fun backGoesUpOneScreen() {
        assertEquals(listOf(Route.Home), backFrom(listOf(Route.Home, Route.Household("h1"))))
        assertEquals(listOf(Route.Households, Route.Household("h1")), backFrom(listOf(Route.Households, Route.Household("h1"), visit)))
        assertEquals(listOf(Route.Home), backFrom(listOf(Route.Home, Route.Returned)))
        assertEquals(listOf(Route.Home), backFrom(listOf(Route.Home, visit)))
    }

    @Test
    fun fromAnotherTabBackGoesToToday() {
        for (tab in listOf(Route.Households, Route.Sync, Route.Settings)) {
            assertEquals(listOf(Route.Home), backFrom(listOf(tab)))
        }
    }

    @Test
    fun onTodayAndSignInThePlatformTakesIt() {
        assertNull(backFrom(listOf(Route.Home)))
        assertNull(backFrom(listOf(Route.SignIn)))
    }
}
